// The synapses in the output file (simulation_options::write_synapses; io/edges_writer.hpp): when a
// run ends, is interrupted or the output is suspended, each chosen projection becomes a SONATA
// edge population. Streamed: the number of synapses onto each target (combined over ranks) fixes
// every synapse's place in the file; then, round after round, every rank reads its next piece of at
// most `piece` synapses (engine::synapses_by_target), rank 0 receives the pieces and writes each
// where it belongs. Memory: per rank one piece (rank 0: one per rank) plus the walk index of one
// shard; never a whole projection.
#include <cmath>
#include <cstring>
#include <map>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/edges_writer.hpp>
#include <neuromesh/core/recording.hpp>
#include <neuromesh/core/simulation.hpp>

namespace neuromesh {
namespace {

constexpr std::size_t piece = std::size_t{1} << 16;  // synapses per rank and round

// What a rank sends per synapse: position, pre, post (uint64), weight, delay [ms] (double).
struct wire_synapse {
  std::uint64_t position, pre, post;
  double weight, delay_ms;
};

// Edge population names: <pre>_to_<post>, with _<k> when several projections join the same pair.
std::string edge_population_name(const network& net, std::size_t k) {
  const projection& p = net.projections[k];
  std::size_t same = 0;
  for (const projection& q : net.projections) same += q.pre == p.pre && q.post == p.post;
  return p.pre + "_to_" + p.post + (same > 1 ? "_" + std::to_string(k) : std::string());
}

}  // namespace

void simulation::write_synapses_to_output() {
  if (opt_.output.empty() || opt_.write_synapses == "none" || synapses_written_ || rec_->suspended() ||
      rec_->status().rfind("failed", 0) == 0)
    return;
  synapses_written_ = true;
  for (std::size_t k = 0; k < net_.projections.size(); ++k) {
    std::unique_ptr<synapse_reader> reader = engine_->synapses_by_target(k);
    if (!reader || (opt_.write_synapses != "all" && !reader->plastic())) continue;
    const projection& proj = net_.projections[k];
    const index_t n_post = net_.populations[net_.population_index(proj.post, "projections")].size;
    std::vector<std::uint32_t> posts;
    std::vector<double> counts, per_target(n_post, 0.0);
    reader->counts(posts, counts);
    comm_->combine_values(posts, counts, per_target);
    std::vector<std::uint64_t> first(n_post + 1, 0);
    for (index_t t = 0; t < n_post; ++t) first[t + 1] = first[t] + static_cast<std::uint64_t>(per_target[t]);
    std::vector<double>().swap(per_target);
    std::exception_ptr failure;
    std::unique_ptr<io::edges_writer> writer;
    try {
      if (io::output_file* f = rec_->file())
        writer = std::make_unique<io::edges_writer>(
            *f, edge_population_name(net_, k), proj.pre, proj.post, first, static_cast<std::int64_t>(k),
            std::vector<std::pair<std::string, std::string>>{{"synapse_model", proj.synapse},
                                                             {"weights_at_ms", std::to_string(time_ms())}});
    } catch (...) {
      failure = std::current_exception();
    }
    comm_->agree(failure);
    // Positions: a target's synapses come together, so a counter per target run is enough.
    const bool inhibitory = proj.target == receptor::inhibitory;
    std::vector<synapse_record> records;
    std::vector<std::uint8_t> bytes, all;
    std::vector<std::uint64_t> sizes;
    index_t current = 0;
    std::uint64_t within = 0;
    bool first_record = true, more = true;
    while (more) {
      records.clear();
      const bool left = reader->next(piece, records);
      bytes.resize(records.size() * sizeof(wire_synapse));
      for (std::size_t i = 0; i < records.size(); ++i) {
        const synapse_record& r = records[i];
        within = (!first_record && r.post == current) ? within + 1 : 0;
        current = r.post;
        first_record = false;
        const wire_synapse w{first[r.post] + within, r.pre, r.post,
                             inhibitory ? -std::abs(r.weight) : std::abs(r.weight),
                             static_cast<double>(r.delay) * net_.dt};
        std::memcpy(bytes.data() + i * sizeof w, &w, sizeof w);
      }
      comm_->gather_bytes_to_root(bytes, all, sizes);
      try {
        if (writer) {
          const std::size_t n = all.size() / sizeof(wire_synapse);
          std::vector<std::uint64_t> position(n), pre(n), post(n);
          std::vector<double> weight(n), delay(n);
          for (std::size_t i = 0; i < n; ++i) {
            wire_synapse w{};
            std::memcpy(&w, all.data() + i * sizeof w, sizeof w);
            position[i] = w.position, pre[i] = w.pre, post[i] = w.post, weight[i] = w.weight, delay[i] = w.delay_ms;
          }
          writer->write(position, pre, post, weight, delay);
        }
      } catch (...) {
        failure = std::current_exception();
      }
      comm_->agree(failure);
      more = comm_->max_over_ranks(left ? 1 : 0) != 0;
    }
    try {
      if (writer) writer->finish();
    } catch (...) {
      failure = std::current_exception();
    }
    comm_->agree(failure);
  }
}

}  // namespace neuromesh
