#include <neuromesh/neurons/initial_values.hpp>

namespace neuromesh {

std::uint32_t name_key(std::string_view name) {
  std::uint32_t h = 2166136261u;  // FNV-1a: stable across platforms and builds
  for (char c : name) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

}  // namespace neuromesh
