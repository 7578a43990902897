#pragma once
// Compact spike records for sending an epoch's spikes between processes. Spikes sorted by
// (step, gid) are written per step as
//   varint(step - previous step)  varint(count)  varint(first gid)  varint(gid delta) ...
// (LEB128 varints), so a spike costs 1-2 bytes instead of the 12 of a raw {step, gid} record.
// Used by the MPI communicator and by the communication-volume model, so both count the same bytes.
#include <cstdint>
#include <span>
#include <vector>

#include <neuromesh/core/spike.hpp>

namespace neuromesh {

// Appends the encoding of `spikes` (sorted by (step, gid), no duplicates) to `out`.
void encode_spikes(std::span<const spike> spikes, std::vector<std::uint8_t>& out);
// Appends the spikes encoded in `in` to `out`; throws internal_error on a malformed buffer.
void decode_spikes(std::span<const std::uint8_t> in, std::vector<spike>& out);
// Size in bytes encode_spikes would produce.
std::size_t encoded_size(std::span<const spike> spikes);

}  // namespace neuromesh
