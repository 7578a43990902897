#include <limits>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/spike_codec.hpp>

namespace neuromesh {
namespace {

void put_varint(std::uint64_t v, std::vector<std::uint8_t>& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

std::uint64_t get_varint(std::span<const std::uint8_t> in, std::size_t& pos) {
  std::uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= in.size()) throw internal_error("spike record truncated");
    const std::uint8_t b = in[pos++];
    v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  throw internal_error("spike record has an overlong varint");
}

// Calls fn(step_delta, begin, end) for each run of equal steps.
template <class Fn>
void for_each_step(std::span<const spike> spikes, Fn&& fn) {
  step_t prev = 0;
  for (std::size_t b = 0; b < spikes.size();) {
    std::size_t e = b + 1;
    while (e < spikes.size() && spikes[e].step == spikes[b].step) ++e;
    fn(static_cast<std::uint64_t>(spikes[b].step - prev), b, e);
    prev = spikes[b].step;
    b = e;
  }
}

}  // namespace

void encode_spikes(std::span<const spike> spikes, std::vector<std::uint8_t>& out) {
  for_each_step(spikes, [&](std::uint64_t dstep, std::size_t b, std::size_t e) {
    put_varint(dstep, out);
    put_varint(e - b, out);
    gid_t prev = 0;
    for (std::size_t k = b; k < e; ++k) {
      put_varint(spikes[k].gid - prev, out);
      prev = spikes[k].gid;
    }
  });
}

std::size_t encoded_size(std::span<const spike> spikes) {
  std::size_t n = 0;
  for_each_step(spikes, [&](std::uint64_t dstep, std::size_t b, std::size_t e) {
    n += varint_size(dstep) + varint_size(e - b);
    gid_t prev = 0;
    for (std::size_t k = b; k < e; ++k) {
      n += varint_size(spikes[k].gid - prev);
      prev = spikes[k].gid;
    }
  });
  return n;
}

void decode_spikes(std::span<const std::uint8_t> in, std::vector<spike>& out) {
  std::size_t pos = 0;
  step_t step = 0;
  // Steps and gids must stay in range (encode never leaves it): a delta that would overflow them
  // is a malformed buffer, not a wrap-around (signed overflow would be UB; tests/fuzz found it).
  constexpr std::uint64_t max_step = static_cast<std::uint64_t>(std::numeric_limits<step_t>::max());
  while (pos < in.size()) {
    const std::uint64_t dstep = get_varint(in, pos);
    if (dstep > max_step - static_cast<std::uint64_t>(step)) throw internal_error("spike record's step overflows");
    step += static_cast<step_t>(dstep);
    const std::uint64_t count = get_varint(in, pos);
    gid_t gid = 0;
    for (std::uint64_t k = 0; k < count; ++k) {
      const std::uint64_t dgid = get_varint(in, pos);
      if (dgid > std::numeric_limits<gid_t>::max() - gid) throw internal_error("spike record's gid overflows");
      gid += static_cast<gid_t>(dgid);
      out.push_back({step, gid});
    }
  }
}

}  // namespace neuromesh
