// Fuzz target: neuromesh's SONATA reader (core/io/sonata_reader.hpp) on hostile files built by
// hdf5_builder.hpp. The contract (docs/reliability.md, "Reading untrusted files"): every file reads
// or throws io_error -- nothing else, no crash, hang, UB or unbounded allocation -- and what reads is
// valid: ids and times of equal length, times finite and >= 0, and a windowed read equal to the full
// read filtered by the window.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/sonata_reader.hpp>

#include "fuzz_input.hpp"
#include "hdf5_builder.hpp"

namespace {

namespace io = neuromesh::io;
using neuromesh::fuzz::finding;

// One file per process, rewritten for every input (the reader takes a path and checks the size on disk).
const std::string& scratch_path() {
  static const std::string path = [] {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path dir = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    return (dir / ("neuromesh_fuzz_" + std::to_string(::getpid()) + ".h5")).string();
  }();
  return path;
}

void write_file(const std::string& path, const std::vector<std::uint8_t>& image) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) finding("cannot write the scratch file " + path);
  const bool ok = std::fwrite(image.data(), 1, image.size(), f) == image.size();
  if (std::fclose(f) != 0 || !ok) finding("cannot write the scratch file " + path);
}

void check_spikes(const std::string& path) {
  const auto all = io::read_spikes(path);
  if (all.empty()) return;  // nothing to compare a window with
  for (const auto& [name, t] : all) {
    if (t.node_ids.size() != t.timestamps_ms.size()) finding(name + ": ids and times of different lengths");
    for (double ms : t.timestamps_ms)
      if (!std::isfinite(ms) || ms < 0) finding(name + ": a time that is not finite and >= 0 was returned");
  }
  const double lo = 0.5, hi = 2.0;
  const auto window = io::read_spikes(path, lo, hi);
  if (window.size() != all.size()) finding("a windowed read returned other populations");
  for (const auto& [name, t] : all) {
    io::spike_table want;
    for (std::size_t i = 0; i < t.node_ids.size(); ++i)
      if (t.timestamps_ms[i] >= lo && t.timestamps_ms[i] < hi) {
        want.node_ids.push_back(t.node_ids[i]);
        want.timestamps_ms.push_back(t.timestamps_ms[i]);
      }
    const auto& got = window.at(name);
    if (got.node_ids != want.node_ids || got.timestamps_ms != want.timestamps_ms)
      finding(name + ": the windowed read differs from the full read filtered by the window");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  neuromesh::fuzz::byte_reader in(data, size);
  const std::vector<std::uint8_t> image = neuromesh::fuzz::build_hdf5_image(in);
  const std::string& path = scratch_path();
  write_file(path, image);
  // Each reader separately: one failing must not hide what another does with the same file.
  const auto expect_io_error = [](const char* reader, auto&& read) {
    try {
      read();
    } catch (const neuromesh::io_error&) {
    } catch (const std::exception& e) {
      finding(std::string(reader) + " threw something other than io_error: " + e.what());
    }
  };
  expect_io_error("read_spikes", [&] { check_spikes(path); });
  expect_io_error("read_reports", [&] { (void)io::read_reports(path); });
  // read_provenance is not called on its own: both readers above and describe read the provenance.
  expect_io_error("describe", [&] { (void)io::describe_file_in_process(path); });
  std::remove(path.c_str());
  return 0;
}
