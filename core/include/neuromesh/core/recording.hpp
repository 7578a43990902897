#pragma once
// Recorders of one run: spikes and state reports streamed to one SONATA HDF5 file in chunks, so
// memory does not grow with run length and an interrupted run leaves a readable file.
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <neuromesh/core/engine.hpp>
#include <neuromesh/core/network.hpp>

namespace neuromesh {

namespace io {
class output_file;
class spike_writer;
class report_writer;
class table_writer;
}  // namespace io

class recording {
 public:
  // Reads a state variable of neurons of a population, wherever they live (under MPI: collective).
  using state_reader =
      std::function<void(std::size_t population, int variable, std::span<const index_t> ids, std::span<double> out)>;

  // Prepares the writers of net.recorders for the output `path` (empty: no file). Whose spikes
  // are recorded: with no spike recorder at all, every neuron's; otherwise the neurons of the
  // populations with a spike recorder, and of those only the union of the recorders' `ids` unless
  // one of them names none (all). Reports are stored in the run's precision `prec` (float32 /
  // float64). Only the `writer` process opens the file; the others still take part in reading
  // state (MPI). A population recorded in part gets /spikes/<pop>/recorded_node_ids and the
  // provenance spikes_recorded.<pop> (text) and spikes_recorded_nodes.<pop> (count), so readers
  // give rates over the recorded neurons.
  recording(const network& net, const engine& eng, const std::string& path, bool writer = true,
            precision prec = precision::single);
  ~recording();

  // Writes the recorded ones among `spikes` (sorted by (step, gid); global ids) to the file.
  void record_spikes(std::span<const spike> spikes, const std::vector<gid_t>& offsets);
  // Whether neuron `gid`'s spikes are recorded (to the file, and by the simulation for spikes()
  // and the rates); the same on every process.
  bool records_spikes_of(gid_t gid) const;
  // Whether spike `s` is recorded: its neuron's spikes are, and its stamp (step + 1) * dt lies in
  // its population's window [start, stop).
  bool records(const spike& s) const;
  // Population p's spike window [start, stop) ms (stop infinite: to the end of the run).
  std::pair<double, double> recorded_window(std::size_t population) const;
  bool records_spikes_of(std::size_t population, index_t id) const {
    const spike_selection& sel = selected_[population];
    return sel.which == spike_selection::mode::all || (sel.which == spike_selection::mode::subset && sel.mask[id]);
  }
  // Whether population p's neuron `id` has its spike of step `step` recorded (records(), without
  // locating the population).
  bool records(std::size_t population, index_t id, step_t step) const {
    return records_spikes_of(population, id) && selected_[population].in_window(step);
  }
  // Appends the recorded ones among `spikes` to `out`, in their order.
  void select_recorded(std::span<const spike> spikes, std::vector<spike>& out) const;
  // Neurons of a population whose spikes are recorded: its size, fewer (ids), or 0 (not recorded).
  std::uint64_t recorded_neurons(std::size_t population) const;
  // The first step >= `from` at which a state frame is due (or a huge value when none).
  step_t next_state_step(step_t from) const;
  // Weight recorders (/weights/<name>/{times, pre, post, weight}): appends events sorted by
  // (recorder, step, pre, post); weights already in NEST's sign convention.
  void record_weights(std::span<const weight_event> events);
  // Records the state frames due at step `now` (state at time now * dt).
  void record_state(step_t now, const state_reader& read);
  void write_provenance(const std::vector<std::pair<std::string, std::string>>& text,
                        const std::vector<std::pair<std::string, double>>& numbers);
  void flush();
  // Resuming from a checkpoint at step `now` (recording_resume.cpp): copies into the new file
  // the first spike_counts[p] spikes of each population and the frames before `now` of each
  // report from `old_path`, the file the checkpointed run wrote. io_error if it holds fewer.
  // Also the first weight_counts[i] rows of each weight recorder's /weights group.
  void continue_from(const std::string& old_path, std::span<const std::uint64_t> spike_counts, step_t now,
                     std::span<const std::uint64_t> weight_counts = {});
  // Between the runs of a continued simulation: suspend() leaves the file complete on disk;
  // resume() (a no-op unless suspended) lets the next run append to it.
  void suspend();
  void resume();
  bool suspended() const { return suspended_; }
  // Closes the file. After a write error (disk full, HDF5 failure) the file is let go as it is on
  // disk, holding what was flushed before, and close() does not throw for it.
  void close();
  bool has_file() const { return file_ != nullptr; }
  // The open output file (this process writes it), for further writers (edges_writer); else null.
  io::output_file* file() const { return file_ && !suspended_ ? file_.get() : nullptr; }

  // The run's status for the provenance: "complete" (default), "running" (while a run is under
  // way: a file that still says so was killed), "interrupted", or "failed: <why>".
  const std::string& status() const { return status_; }
  void set_status(std::string s) { status_ = std::move(s); }
  // Records that the run failed with `what` (status "failed: disk full" when the disk filled up).
  void fail(const std::string& what);
  // Whether the output stopped because the disk is full.
  bool disk_full() const;
  // After a disk-full stop: gives the file its final provenance (`text`, `numbers`, status
  // "failed: disk full") if there is room, closes it, and returns the message for the user:
  // "disk full while writing the output: N spikes up to t = T ms are in the file ..." (the
  // caller names the path).
  std::string finish_after_disk_full(std::vector<std::pair<std::string, std::string>> text,
                                     const std::vector<std::pair<std::string, double>>& numbers);

 private:
  struct probe;
  // Whose spikes of one population are recorded.
  struct spike_selection {
    enum class mode : std::uint8_t { none, all, subset } which = mode::all;
    std::vector<bool> mask;  // subset: mask[id]
    std::uint64_t count = 0;
    // Window: spikes fired in step s are stamped s + 1 steps; kept when from <= s + 1 < to.
    step_t from = 0, to = std::numeric_limits<step_t>::max();
    double start_ms = 0.0, stop_ms = std::numeric_limits<double>::infinity();
    bool windowed() const { return from != 0 || to != std::numeric_limits<step_t>::max(); }
    bool in_window(step_t step) const { return step + 1 >= from && step + 1 < to; }
  };
  std::pair<std::size_t, index_t> locate(gid_t gid) const;

  double dt_;
  precision prec_;
  std::vector<gid_t> offsets_;
  std::vector<spike_selection> selected_;  // per population
  std::unique_ptr<io::output_file> file_;
  bool suspended_ = false;  // file closed between the runs of a continued simulation
  std::string status_ = "complete";
  std::string path_;
  std::vector<std::unique_ptr<io::spike_writer>> spike_writers_;  // per population (null: off)
  std::vector<std::unique_ptr<probe>> probes_;
  std::vector<std::unique_ptr<io::table_writer>> weight_writers_;  // per weight recorder
  std::vector<std::uint64_t> id_buf_;
  std::vector<double> time_buf_;
};

}  // namespace neuromesh
