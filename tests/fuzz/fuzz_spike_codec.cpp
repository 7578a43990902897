// Fuzz target: the spike codec that MPI ranks use to exchange spikes (spike_codec.hpp). Arbitrary
// bytes must decode or throw internal_error (a malformed buffer from a peer is a bug, never UB);
// whatever decodes and is in the codec's domain (sorted by (step, gid), no duplicates)
// must re-encode to exactly encoded_size bytes and decode back to the same spikes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <vector>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/spike_codec.hpp>

#include "fuzz_input.hpp"

namespace {

using neuromesh::spike;

// What decode promises for any input it accepts: steps never decrease and stay >= 0 (deltas are
// unsigned; one that would overflow is a malformed buffer). Fails on the code before the overflow
// check in any build, not only under UBSan. (A gid that would wrap: SpikeCodec unit test.)
void check_decoded(const std::vector<spike>& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i].step < 0) neuromesh::fuzz::finding("decode produced a negative step");
    if (i > 0 && s[i].step < s[i - 1].step) neuromesh::fuzz::finding("decode produced a decreasing step");
  }
}

bool in_domain(const std::vector<spike>& s) {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i].step < 0 || (i > 0 && !(s[i - 1] < s[i]))) return false;
  return true;
}

void check_round_trip(const std::vector<spike>& spikes) {
  std::vector<std::uint8_t> bytes;
  neuromesh::encode_spikes(spikes, bytes);
  if (bytes.size() != neuromesh::encoded_size(spikes)) neuromesh::fuzz::finding("encoded_size disagrees with encode");
  std::vector<spike> back;
  neuromesh::decode_spikes(bytes, back);
  if (back != spikes) neuromesh::fuzz::finding("decode(encode(spikes)) != spikes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<spike> decoded;
  try {
    neuromesh::decode_spikes(std::span<const std::uint8_t>(data, size), decoded);
  } catch (const neuromesh::internal_error&) {
    return 0;
  } catch (const std::exception& e) {
    neuromesh::fuzz::finding(std::string("decode threw something other than internal_error: ") + e.what());
  }
  check_decoded(decoded);
  if (in_domain(decoded)) {
    check_round_trip(decoded);
  } else {
    // Out of the encoder's domain (repeated spikes, or one step's spikes in two groups): sort and
    // deduplicate, and check that instead, so the round trip is exercised on every input.
    std::sort(decoded.begin(), decoded.end());
    decoded.erase(std::unique(decoded.begin(), decoded.end()), decoded.end());
    check_round_trip(decoded);
  }
  return 0;
}
