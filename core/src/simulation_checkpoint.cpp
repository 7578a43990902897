// Checkpoint and restart of a simulation (checkpoint.hpp; docs/reliability.md). Saving: every
// rank's engine hands over its neurons' state by id, rank 0 merges and writes one file. Resuming:
// the network is rebuilt as usual, every rank reads the file and takes its own neurons' rows, and
// the driver's own state (time, the last chunk's spikes, counters) is set from it.
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include <neuromesh/core/checkpoint.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/recording.hpp>
#include <neuromesh/core/simulation.hpp>

namespace neuromesh {

std::string simulation::checkpoint_path() const {
  if (!opt_.checkpoint.empty()) return opt_.checkpoint;
  return opt_.output.empty() ? std::string("neuromesh.ckpt") : opt_.output + ".ckpt";
}

// The same answer on every rank (the filter and observers are attached alike everywhere).
// Every synapse model but the static one has run-time state (plastic weights and traces, or a
// short-term per-source state; synapses/registry.hpp), which a checkpoint must carry.
static bool has_synapse_state(const network& net) {
  return std::any_of(net.projections.begin(), net.projections.end(),
                     [](const projection& p) { return p.synapse != "static" && p.synapse != "static_synapse"; });
}

void simulation::check_synapse_state_kept(const char* what) const {
  if (!engine_->keeps_synapse_state() && has_synapse_state(net_))
    throw backend_unavailable(std::string(what) + ": the " + engine_->name() +
                              " backend cannot save or restore the state of plastic and short-term synapses; use "
                              "backend \"cpu\" (threads, MPI) to checkpoint this network");
}

void simulation::check_checkpointable() const {
  check_synapse_state_kept("checkpoints");
  if (filter_)
    throw config_error("checkpoint",
                       "the hardware timing mode (--timing) holds packets in flight that checkpoints do "
                       "not save; run without --timing to checkpoint");
  if (!observers_.empty())
    throw config_error("checkpoint",
                       "the hardware model's accounting (--hardware) is not saved in checkpoints; run "
                       "without --hardware to checkpoint, and map the network separately (neuromesh map)");
}

void simulation::save_checkpoint(const std::string& path) {
  check_not_finished();
  check_checkpointable();
  // The output file must hold everything up to now: a resumed run keeps exactly that much of it.
  std::exception_ptr failure;
  std::vector<population_state> mine;
  std::vector<synapse_state> synapses_mine;
  bool supported = false;
  try {
    supported = engine_->save_state(now_, mine);
    if (!engine_->save_synapse_state(synapses_mine)) synapses_mine.clear();  // static synapses only
    if (rec_->has_file() && !rec_->suspended()) rec_->flush();
  } catch (...) {
    failure = std::current_exception();
  }
  comm_->agree(failure);
  if (!supported)
    throw backend_unavailable("checkpoints: the " + engine_->name() +
                              " backend cannot save its state; use backend \"cpu\" (threads, MPI) to checkpoint");
  std::vector<std::uint8_t> bytes, all;
  std::vector<std::uint64_t> sizes;
  append_bytes(mine, bytes);
  comm_->gather_bytes_to_root(bytes, all, sizes);
  // The synapses' state in a second gather (8 bytes per plastic synapse at rank 0, plus traces).
  std::vector<std::uint8_t> synapse_bytes, synapse_all;
  std::vector<std::uint64_t> synapse_sizes;
  append_synapse_bytes(synapses_mine, synapse_bytes);
  std::vector<synapse_state>().swap(synapses_mine);
  comm_->gather_bytes_to_root(synapse_bytes, synapse_all, synapse_sizes);
  try {
    if (comm_->rank() == 0) {
      checkpoint_data c;
      c.fingerprint = fingerprint_of(net_, opt_.prec);
      c.step = now_;
      std::size_t at = 0;
      for (std::uint64_t n : sizes) {
        merge_bytes(std::span(all).subspan(at, n), net_, c.populations);
        at += n;
      }
      finish_merge(net_, c.populations);
      at = 0;
      for (std::uint64_t n : synapse_sizes) {
        merge_synapse_bytes(std::span(synapse_all).subspan(at, n), net_, c.synapses);
        at += n;
      }
      finish_synapse_merge(net_, c.synapses);
      c.weight_events = weight_counts_;
      c.weight_events.resize(net_.weight_recorders.size(), 0);
      c.pending = epoch_spikes_;  // rank 0 holds every spike of the last chunk
      c.spikes_per_population = summary_.spikes_per_population;
      c.spikes = summary_.spikes;
      c.runs = runs_;
      c.simulate_seconds = summary_.simulate_seconds;
      write_checkpoint_file(path, c, net_);
    }
  } catch (...) {
    failure = std::current_exception();
  }
  comm_->agree(failure);
}

// Rank 0, before the recording recreates the output file: the resumed run's file is moved aside
// to <output>.before-resume, read back after the restore, and deleted once its records up to the
// checkpoint are in the new file. If <output>.before-resume already exists, an earlier resume was
// killed while copying: that file is the killed run's, the one at <output> a partial copy.
void simulation::set_aside_resumed_output() {
  if (comm_->rank() != 0 || opt_.output.empty()) return;
  namespace fs = std::filesystem;
  const std::string aside = resumed_output_path();
  if (fs::exists(aside)) return;
  if (!fs::exists(opt_.output))
    throw io_error(opt_.output,
                   "resuming continues the output file of the run that wrote the checkpoint, and it is not "
                   "there; restore it, or resume without an output file (or with the path it was written to)");
  std::error_code ec;
  fs::rename(opt_.output, aside, ec);
  if (ec) throw io_error(opt_.output, "cannot move the output aside to continue it (" + ec.message() + ")");
}

void simulation::restore(const std::string& path) {
  std::exception_ptr failure;
  checkpoint_data c;
  try {
    check_synapse_state_kept("resume");
    c = read_checkpoint_file(path);
    read_checkpoint_state(path, net_, c);
    std::vector<population_state> probe;
    if (!engine_->save_state(0, probe))
      throw backend_unavailable("resume: the " + engine_->name() +
                                " backend cannot restore a checkpoint; use backend \"cpu\" (threads, MPI)");
    engine_->load_state(c.step, c.populations);
    engine_->load_synapse_state(c.synapses);
  } catch (...) {
    failure = std::current_exception();
  }
  comm_->agree(failure);
  now_ = c.step;
  undelivered_ = c.pending;  // delivered by the first advance, as after the chunk that fired them
  epoch_spikes_ = c.pending;
  summary_.spikes_per_population = c.spikes_per_population;
  summary_.spikes = c.spikes;
  summary_.simulate_seconds = c.simulate_seconds;
  summary_.simulated_ms = time_ms();
  runs_ = c.runs;
  weight_counts_ = c.weight_events;
  continue_resumed_output(path);
}

void simulation::continue_resumed_output(const std::string& path) {
  std::exception_ptr failure;
  try {
    if (rec_->has_file()) {
      const std::string aside = resumed_output_path();
      rec_->continue_from(aside, summary_.spikes_per_population, now_, weight_counts_);
      rec_->write_provenance({{"resumed_from", path}}, {{"resumed_at_ms", time_ms()}, {"duration_ms", time_ms()}});
      rec_->flush();
      std::filesystem::remove(aside);
    }
  } catch (...) {
    failure = std::current_exception();
  }
  comm_->agree(failure);
}

}  // namespace neuromesh
