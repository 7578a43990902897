#include <algorithm>

#include <neuromesh/core/communicator.hpp>

namespace neuromesh {

void local_communicator::exchange(std::span<const spike> local, std::vector<spike>& global) {
  global.assign(local.begin(), local.end());
  // Threads append in shard order; sorting makes the order independent of the thread count.
  std::sort(global.begin(), global.end());
}

}  // namespace neuromesh
