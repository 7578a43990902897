#pragma once
// Helpers shared by the fuzz targets (docs/reliability.md, "Standing guards"): reading structured choices from the
// fuzzer's bytes, and reporting a finding. The same code runs under libFuzzer (NEUROMESH_FUZZ=ON)
// and in the ordinary build, where replay_main.cpp feeds it the corpus and regression inputs.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace neuromesh::fuzz {

// Consumes the fuzzer's bytes front to back; past the end every value reads as zero, so any
// input, even an empty one, decodes to something.
class byte_reader {
 public:
  byte_reader(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  bool empty() const { return n_ == 0; }
  std::uint8_t u8() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(u8()) << (8 * i);
    return v;
  }
  double f64() {
    const std::uint64_t bits = u64();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }
  // One of n choices (n > 0).
  std::size_t pick(std::size_t n) { return u8() % n; }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
};

// An outcome the target's contract rules out (an exception of the wrong type, a broken invariant):
// print it and abort, which libFuzzer records as a crash and ctest as a failure.
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "neuromesh fuzz finding: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace neuromesh::fuzz
