#include <algorithm>
#include <cstdlib>

#include <neuromesh/core/communicator.hpp>

namespace neuromesh {

void local_communicator::exchange(std::span<const spike> local, std::vector<spike>& to_deliver) {
  to_deliver.assign(local.begin(), local.end());
  // Threads append in shard order; sorting makes the order independent of the thread count.
  std::sort(to_deliver.begin(), to_deliver.end());
  ++stats_.exchanges;
}

void local_communicator::gather_to_root(std::span<const spike> local, std::vector<spike>& all) {
  all.assign(local.begin(), local.end());
  std::sort(all.begin(), all.end());
}

void local_communicator::combine_values(std::span<const std::uint32_t> positions, std::span<const double> values,
                                        std::span<double> out) {
  for (std::size_t k = 0; k < positions.size(); ++k) out[positions[k]] = values[k];
}

void local_communicator::abort(int code) { std::exit(code); }

}  // namespace neuromesh
