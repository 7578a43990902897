#include <neuromesh/core/connectors.hpp>
#include <neuromesh/core/projection_rows.hpp>

namespace neuromesh {
namespace {

// Calls fn(entry) for every synapse of projection k onto the owned targets, always in the same
// order. Targets are generated in blocks so the buffer stays small (fixed_outdegree and explicit
// lists walk all their sources for any block, so they are generated in one go).
template <class Fn>
void for_each_owned_synapse(const network& net, std::size_t k, const shard_slice& sl, bool values, Fn&& fn,
                            const std::function<void()>& block_done) {
  const projection& proj = net.projections[k];
  const std::uint8_t receptor = engine_receptor(proj);
  std::uint32_t emitted = 0;
  auto emit = [&](const generated_synapse& g) {
    fn(synapse_store::entry{g.source, sl.local_offset + sl.index_of(g.target), g.weight, g.delay, receptor});
    if ((++emitted & 0xFFFFFu) == 0 && block_done) block_done();  // may throw: build abandoned
  };
  if (sl.contiguous() || generates_whole(proj.conn)) {  // the hull, keeping owned targets
    for_each_generated_synapse(net, k, sl.begin, sl.end, values, [&](const generated_synapse& g) {
      if (sl.contiguous() || sl.contains(g.target)) emit(g);
    });
    return;
  }
  // Scattered ownership: runs of consecutive owned targets, in bounded blocks.
  const time_grid grid(net.dt);
  const index_t block = generation_block(net, k);
  const std::vector<std::uint64_t> split = projection_total_split(net, k);
  std::vector<generated_synapse> generated;
  for (std::uint32_t i = 0; i < sl.size();) {
    const index_t b = sl.id(i);
    std::uint32_t j = i + 1;
    while (j < sl.size() && j - i < block && sl.id(j) == b + (j - i)) ++j;
    generated.clear();
    generate_projection(net, k, b, b + (j - i), grid, generated, values, split.empty() ? nullptr : &split);
    for (const generated_synapse& g : generated) emit(g);
    i = j;
  }
}

}  // namespace

synapse_store build_projection_rows(const network& net, std::size_t k, const shard_slice& owned,
                                    std::uint32_t n_indices, weight_storage storage,
                                    const std::function<void(int pass)>& on_block, row_layout layout) {
  const std::size_t pre = net.population_index(net.projections[k].pre, "projections[" + std::to_string(k) + "].pre");
  synapse_store::builder builder(net.populations[pre].size, n_indices, storage, layout);
  auto pass_done = [&](int pass) -> std::function<void()> {
    if (!on_block) return {};
    return [&on_block, pass] { on_block(pass); };
  };
  for_each_owned_synapse(
      net, k, owned, false, [&](const synapse_store::entry& e) { builder.count(e.source); }, pass_done(0));
  builder.allocate();
  for_each_owned_synapse(
      net, k, owned, true, [&](const synapse_store::entry& e) { builder.place(e); }, pass_done(1));
  synapse_store store;
  store.build(std::move(builder));
  return store;
}

}  // namespace neuromesh
