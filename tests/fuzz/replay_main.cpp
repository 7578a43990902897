// The fuzz targets in the ordinary build (any compiler, no libFuzzer): runs LLVMFuzzerTestOneInput
// on every file of the directories (or files) given, so the seed corpus and every crash ever found
// (tests/fuzz/regressions/<target>/) are regression tests under ctest. A finding aborts, which
// ctest reports as a failure; a missing or empty directory is an error too, so a test that replays
// nothing cannot pass.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace {

// Regular files under `root` (recursively, in name order), skipping dot files (.gitkeep).
std::vector<fs::path> inputs_of(const fs::path& root) {
  std::vector<fs::path> files;
  if (fs::is_regular_file(root)) return {root};
  for (const auto& entry : fs::recursive_directory_iterator(root))
    if (entry.is_regular_file() && entry.path().filename().string().front() != '.') files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t total = 0;
  for (int i = 1; i < argc; ++i) {
    const fs::path root = argv[i];
    if (!fs::exists(root)) {
      std::fprintf(stderr, "replay: %s does not exist\n", argv[i]);
      return 1;
    }
    const auto files = inputs_of(root);
    for (const fs::path& file : files) {
      std::ifstream in(file, std::ios::binary);
      const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::fprintf(stderr, "replay: %s (%zu bytes)\n", file.c_str(), bytes.size());
      LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    }
    std::printf("replay: %zu input(s) from %s\n", files.size(), argv[i]);
    total += files.size();
  }
  if (total == 0) {
    std::fprintf(stderr, "replay: no inputs given; nothing was tested\n");
    return 1;
  }
  return 0;
}
