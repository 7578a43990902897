// Batches of samples: a built simulation goes back to time 0 with new spike trains for its spike
// sources (simulation::reset), so a network is built once and run on many inputs -- each sample's
// spikes bit-identical to a fresh simulation's (docs/nir.md, "Arrays in and out; batches").
#include <algorithm>
#include <exception>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/recording.hpp>
#include <neuromesh/core/simulation.hpp>
#include <neuromesh/core/time.hpp>

namespace neuromesh {

void simulation::reset(std::vector<std::pair<std::string, spike_trains>> spike_times) {
  check_not_finished();
  if (!opt_.output.empty())
    throw config_error("reset", "the simulation writes the output file " + opt_.output +
                                    ", whose records cannot go back in time; reset a simulation without an "
                                    "output file, or make a new one per sample");
  if (filter_ || !observers_.empty())
    throw config_error("reset",
                       "the hardware model's accounting (observers, timing filter) is not reset; make a "
                       "new simulation per sample to price each one");
  for (std::size_t k = 0; k < net_.projections.size(); ++k) {
    const projection& p = net_.projections[k];
    if (p.synapse != "static" && p.synapse != "static_synapse")
      throw config_error("reset", "projections[" + std::to_string(k) + "] (" + p.pre + " -> " + p.post + ", " +
                                      p.synapse +
                                      ") has run-time synapse state (plastic or short-term), which reset does "
                                      "not restore yet; make a new simulation per sample");
  }
  // Every new train is checked before anything changes: a refused reset leaves the simulation as it was.
  const time_grid grid(net_.dt);
  std::vector<std::size_t> targets;
  for (const auto& [label, times] : spike_times) {
    const std::size_t p = net_.population_index(label, "reset");
    const population& pop = net_.populations[p];
    const std::string where = "populations[" + label + "].spike_times";
    if (pop.model != "spike_source_array") throw config_error(where, "reset: not a spike_source_array");
    if (times.size() > pop.size) throw config_error(where, "more spike trains than neurons");
    for (std::size_t i = 0; i < times.size(); ++i)
      for (double t : times[i]) grid.spike_step(t, pop.allow_offgrid_times, where + "[" + std::to_string(i) + "]");
    targets.push_back(p);
  }
  const auto swap_trains = [&] {
    for (std::size_t i = 0; i < targets.size(); ++i)
      net_.populations[targets[i]].spike_times.swap(spike_times[i].second);
  };
  swap_trains();  // the engine lowers the sources from the description
  std::exception_ptr failure;
  try {
    if (!engine_->reset_state())
      throw backend_unavailable("reset: the " + engine_->name() +
                                " backend cannot reset its state; make a new simulation per sample");
  } catch (...) {
    swap_trains();  // refused: the description stays what the engine runs
    failure = std::current_exception();
  }
  comm_->agree(failure);  // every rank resets, or every rank throws
  now_ = 0;
  fired_.clear();
  epoch_spikes_.clear();
  undelivered_.clear();
  all_spikes_.clear();
  partial_.clear();
  whole_.clear();
  for (auto& v : last_by_pop_) v.clear();
  for (auto& w : weights_) w.clear();
  std::fill(weight_counts_.begin(), weight_counts_.end(), 0);
  weight_buf_.clear();
  summary_.spikes = 0;
  std::fill(summary_.spikes_per_population.begin(), summary_.spikes_per_population.end(), 0);
  summary_.simulate_seconds = 0;
  summary_.simulated_ms = 0;
  summary_.neuron_updates = 0;
  runs_ = 0;
}

}  // namespace neuromesh
