#pragma once
// Recorders of one run: spikes and state reports streamed to one SONATA HDF5 file in chunks, so
// memory does not grow with run length and an interrupted run leaves a readable file.
#include <functional>
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
}  // namespace io

class recording {
 public:
  // Reads a state variable of neurons of a population, wherever they live (under MPI: collective).
  using state_reader =
      std::function<void(std::size_t population, int variable, std::span<const index_t> ids, std::span<double> out)>;

  // Prepares the writers of net.recorders for the output `path` (empty: nothing is recorded);
  // with no spike recorder at all, the spikes of every population are recorded. Only the
  // `writer` process opens the file; the others still take part in reading state (MPI).
  recording(const network& net, const engine& eng, const std::string& path, bool writer = true);
  ~recording();

  void record_spikes(std::span<const spike> spikes, const std::vector<gid_t>& offsets);
  // The first step >= `from` at which a state frame is due (or a huge value when none).
  step_t next_state_step(step_t from) const;
  // Records the state frames due at step `now` (state at time now * dt).
  void record_state(step_t now, const state_reader& read);
  void write_provenance(const std::vector<std::pair<std::string, std::string>>& text,
                        const std::vector<std::pair<std::string, double>>& numbers);
  void flush();
  void close();
  bool has_file() const { return file_ != nullptr; }

 private:
  struct probe;
  double dt_;
  std::unique_ptr<io::output_file> file_;
  std::vector<std::unique_ptr<io::spike_writer>> spike_writers_;  // per population (null: off)
  std::vector<std::unique_ptr<probe>> probes_;
  std::vector<std::uint64_t> id_buf_;
  std::vector<double> time_buf_;
};

}  // namespace neuromesh
