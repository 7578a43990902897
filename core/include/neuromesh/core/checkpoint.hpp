#pragma once
// Checkpoints: the state of a running simulation saved by neuron (population label + id), not by
// thread or rank, so any thread and rank count can resume it (docs/reliability.md, "Checkpoint
// and restart"). The network itself is not saved: it is rebuilt from its description, which is
// identical by construction (keyed streams), and a fingerprint of that description guards against
// resuming a different network.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/spike.hpp>

namespace neuromesh {

enum class precision;  // engine.hpp

// The state of some neurons of one population as an engine stores it (bit-exact). Saved by an
// engine with explicit `ids`; read from a checkpoint file with `ids` empty and row = id.
struct population_state {
  std::vector<index_t> ids;     // population-local ids of the rows (empty: row r is id r)
  std::uint32_t width = 0;      // state values per neuron, in the engine's storage (relative) form
  std::uint32_t slots = 0;      // future input slots per receptor: slot d holds input for step now + d
  std::vector<double> state;    // [rows x width]; double holds float state exactly
  std::vector<double> current;  // [rows] closed-loop extra current [pA]
  std::vector<fixed_t> input;   // [rows x n_receptors x slots] ring-buffer contents
  std::size_t rows() const { return current.size(); }
};

// The run-time state of one projection's synapses (plastic weights and traces, short-term state),
// keyed by neuron id and synapse order, never by shard, so any thread and rank count takes it back.
// Values are doubles (steps and counters are exact in them); what the columns hold is written once
// for every backend (synapses/state_checkpoint.hpp), so one backend's checkpoint resumes on
// another. An engine's piece has explicit ids; the
// merged form (what the file holds) has row = id: `pre` [n_pre x pre_width] (NaN rows: sources
// without synapses anywhere), then per post neuron `post` [n_post x post_width], a list of
// `entry_width`-value entries (e.g. its spike history) and its synapses in target-major order --
// by source, then row order, as the output file's /edges -- with `synapse_width` values each.
struct synapse_state {
  std::uint32_t pre_width = 0, post_width = 0, entry_width = 0, synapse_width = 0;
  std::vector<index_t> pre_ids;  // piece only: the sources of the `pre` rows
  std::vector<double> pre;
  std::vector<index_t> post_ids;  // piece only: the post neurons of the per-post rows
  std::vector<double> post;
  std::vector<std::uint64_t> entries_per_post;
  std::vector<double> entries;
  std::vector<std::uint64_t> synapses_per_post;
  std::vector<double> synapses;
  bool empty() const { return pre_width + post_width + entry_width + synapse_width == 0; }
};

// What identifies the network a checkpoint belongs to. Each part is a 64-bit FNV-1a hash of one
// section of the description (the run length and the name are left out: a resumed run may run
// longer), so a refusal can say which section differs.
struct network_fingerprint {
  double dt = 0;
  std::uint64_t seed = 0;
  std::string precision;                 // "float" or "double"
  std::array<std::uint64_t, 4> parts{};  // populations, projections, stimuli, recorders
  static constexpr std::array<const char*, 4> part_names{"populations", "projections", "stimuli", "recorders"};
};
network_fingerprint fingerprint_of(const network& net, precision prec);
// Throws config_error naming `path` and what differs (dt, seed, precision, a section) unless equal.
void check_same_network(const network_fingerprint& saved, const network_fingerprint& now, const std::string& path);

// A whole checkpoint: what the simulation driver saves besides the engines' state.
struct checkpoint_data {
  network_fingerprint fingerprint;
  step_t step = 0;                            // the time reached (every step before it is done)
  std::vector<population_state> populations;  // per population, every neuron (row = id when read)
  // Spikes exchanged in the last chunk, delivered by the driver at the start of the next one.
  std::vector<spike> pending;
  std::vector<std::uint64_t> spikes_per_population;  // recorded spikes so far (= rows in the output file)
  std::uint64_t spikes = 0, runs = 0;
  double simulate_seconds = 0;
  std::vector<synapse_state> synapses;       // per projection, merged (empty for static projections)
  std::vector<std::uint64_t> weight_events;  // per weight recorder: events recorded so far (rows in /weights)
};

// Serialises engines' population_state for a gather (MPI) and merges every rank's pieces into one
// row-per-id table per population (ids checked: each exactly once). `slots` of the result is the
// largest of the pieces' (ranks size their ring buffers by their own largest delay).
void append_bytes(const std::vector<population_state>& states, std::vector<std::uint8_t>& out);
void merge_bytes(std::span<const std::uint8_t> bytes, const network& net, std::vector<population_state>& merged);
void finish_merge(const network& net, std::vector<population_state>& merged);
// The same for the synapse state: pieces per projection, merged into row = id (checks that every
// post neuron is there once and that shards agree on each source's state).
void append_synapse_bytes(const std::vector<synapse_state>& pieces, std::vector<std::uint8_t>& out);
void merge_synapse_bytes(std::span<const std::uint8_t> bytes, const network& net, std::vector<synapse_state>& merged);
void finish_synapse_merge(const network& net, std::vector<synapse_state>& merged);

// The checkpoint file (HDF5). Written to `path` + ".tmp" and renamed, so a kill while writing never
// leaves a half checkpoint under `path`. Reading checks every dataset's shape; an unreadable or
// damaged file is an io_error naming the file and the dataset. read_checkpoint_file reads the
// time, counters and fingerprint (check it first), read_checkpoint_state the rest into `c`.
void write_checkpoint_file(const std::string& path, const checkpoint_data& data, const network& net);
checkpoint_data read_checkpoint_file(const std::string& path);
void read_checkpoint_state(const std::string& path, const network& net, checkpoint_data& c);

}  // namespace neuromesh
