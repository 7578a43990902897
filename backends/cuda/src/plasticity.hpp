#pragma once
// Plastic (stdp_synapse, stdp_synapse_hom, stdp_pl_synapse_hom, stdp_nn_symm_synapse,
// stdp_nn_restr_synapse, stdp_triplet_synapse) and short-term (tsodyks2_synapse, tsodyks_synapse)
// projections on the device: their run-time state beside the stored rows, and their delivery in
// a defined order (docs/cuda.md, "Plastic synapses"). The per-synapse math is the one the cpu
// backend runs (synapses/stdp_update.hpp; the short-term models' on_spike); only memory and order are here.
//
// Order: a delivery's spikes are sorted by (step, gid) on the host and cut into batches of one
// step in which every source appears once; the batches are launched in step order, a thread per
// spike walking its source's row. Within a batch each synapse belongs to one row, so weight
// updates do not race, and two spikes of one source update a synapse in step order. Histories
// are only read during a batch (their read counters are atomic increments, a sum that does not
// depend on order); pruning runs in a launch of its own after the delivery. Postsynaptic spikes
// join the histories after the steps that fired them, per target in step order; every delivery
// reads only postsynaptic spikes at least one delay (>= the chunk) older than its spike, so they
// are always there -- the cpu backend reads the same ones.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <thrust/device_vector.h>

#include <neuromesh/core/checkpoint.hpp>
#include <neuromesh/core/engine.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/spike.hpp>
#include <neuromesh/synapses/model.hpp>
#include <neuromesh/synapses/stdp_update.hpp>

#include "projections.hpp"
#include "runtime.hpp"

namespace neuromesh::NEUROMESH_GPU_NS {

struct history_view;  // plasticity.cpp

// The bit of the device error flag (runtime.hpp: device_error) that plastic delivery sets when a
// spike reaches plastic synapses after a later spike of its source (the cpu backend throws then too).
constexpr unsigned plastic_order = 2u;

// One plastic or short-term projection's state on the device.
class plastic_projection {
 public:
  // `rows`: projection k's stored rows (device_projection::run_time_state()); they must outlive this.
  // double_weights: STDP weights in double (double precision), else in float (as the cpu backend).
  plastic_projection(const network& net, std::size_t k, device_projection& rows, const launch_policy& launch,
                     bool double_weights);

  // Delivers spikes[0, m) -- of one step, each source at most once -- through this projection.
  void deliver(const spike* spikes, std::uint32_t m, const delivery_target& t);
  // After a whole delivery: drops the postsynaptic spikes every synapse has read (STDP).
  void prune();
  // Spikes fired in the steps just simulated (any order): into the postsynaptic traces (STDP).
  void record_post_spikes(std::span<const spike> fired);
  // The weights as delivered now, in row order (STDP); empty when they never change.
  std::vector<double> weights() const;
  std::uint64_t bytes() const;

  // Weight recorders (plasticity_state.cpp; the cpu backend's weight probes): the synapses of
  // projection k that network::weight_recorders watch, from its rows (row order, as downloaded).
  void watch(const network& net, std::size_t k, const std::vector<synapse_store::entry>& rows);
  // A delivery's events, around its batches (starts: where each batch of `sorted` begins, then
  // its end): planned on the host, then after batch b's deliver() the watched weights it changed
  // are gathered on the device, and at the end copied back in one transfer.
  void plan_events(std::span<const spike> sorted, std::span<const std::size_t> starts);
  void read_events(std::size_t batch);
  void finish_events();
  // Moves the events since the last call to `out` (per spike in step order, then row order).
  void take_events(std::vector<weight_event>& out);

  // Checkpoints (plasticity_state.cpp; synapses/state_checkpoint.hpp, the form the cpu backend
  // writes too): the state per source with synapses, per target and per synapse by target.
  // `rows`: the projection's rows, downloaded (row order).
  void save_state(const std::vector<synapse_store::entry>& rows, synapse_state& out) const;
  void load_state(const std::vector<synapse_store::entry>& rows, const synapse_state& in, const std::string& where);

 private:
  void grow_history(std::uint32_t capacity);
  history_view history();

  std::size_t model_;  // synapse_models position
  bool stdp_;          // plastic weights; else short-term state per source
  rows_view rows_;
  gid_t post_gid_ = 0;
  index_t n_post_ = 0;
  double h_;
  double tau_minus_ = 0;          // STDP
  double tau_minus_triplet_ = 0;  // the triplet rule only
  launch_policy launch_;
  thrust::device_vector<double> params_;
  // STDP: weights, K+ and last spike per source, and per target its history (stdp_update.hpp):
  // capacity_ entries from target j * capacity_ on, count_ live ones.
  thrust::device_vector<double> weight_, k_plus_;  // weight_: double precision
  thrust::device_vector<float> weight_float_;      // the weights in single precision
  thrust::device_vector<step_t> last_pre_;
  thrust::device_vector<stdp::post_spike> history_, dropped_;
  thrust::device_vector<std::uint32_t> count_, incoming_;
  thrust::device_vector<double> k_minus_;
  thrust::device_vector<double> k_plus_triplet_, k_minus_triplet_;  // the triplet rule only
  thrust::device_vector<step_t> last_post_;
  std::uint32_t capacity_ = 0;
  std::uint32_t max_live_ = 0;                 // a bound on count_ (read back after each prune)
  thrust::device_vector<unsigned> live_;       // the prune's maximum of count_
  thrust::device_vector<spike> posts_;         // staging: a chunk's postsynaptic spikes (gid: target j)
  thrust::device_vector<std::uint32_t> runs_;  // staging: where each target's spikes start
  // Short-term plasticity: state and last spike per source.
  thrust::device_vector<short_term_state> stp_state_;
  thrust::device_vector<step_t> stp_last_;
  // Weight recorders: the watched (synapse, recorder) pairs in row order, where each source's
  // begin, and the events of the delivery underway (host) with the synapses they read (device).
  struct watched_synapse {
    std::uint32_t slot, recorder;
    index_t pre, post;
  };
  std::vector<watched_synapse> watched_;
  std::vector<std::uint32_t> watch_first_;  // n_pre + 1 (empty: nothing watched)
  std::vector<weight_event> planned_, events_;
  std::vector<std::uint32_t> batch_events_;  // where each batch's events begin in planned_, then the end
  std::vector<std::uint32_t> slots_;
  thrust::device_vector<std::uint32_t> event_slots_;
  thrust::device_vector<double> event_weights_;
};

// The delivery of an epoch's spikes through every plastic projection, in the order above.
class plastic_delivery {
 public:
  void deliver(std::vector<std::unique_ptr<plastic_projection>>& projections, std::span<const spike> spikes,
               const delivery_target& t);

 private:
  std::vector<spike> sorted_;
  std::vector<std::size_t> starts_;  // the batches of sorted_: where each begins, then the end
  thrust::device_vector<spike> device_;
};

}  // namespace neuromesh::NEUROMESH_GPU_NS
