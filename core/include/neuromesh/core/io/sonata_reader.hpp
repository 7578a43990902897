#pragma once
// Reading SONATA spike and report files: the files neuromesh writes plus the legacy spike layouts
// other tools write (shared/specs/sonata.md §2). Every failure is an io_error naming the file and,
// where it helps, the HDF5 path at fault.
//
// Files are untrusted (other tools, damaged disks, hand-made files): before libhdf5 reads any
// data, every dataset is checked against the file -- numeric type of at most 8 bytes (integers
// for node ids), the expected rank, at most 2^40 values, storage inside this file (no external or
// virtual datasets), every declared byte actually stored (compressed: at most 1100 declared
// bytes per stored byte) and every chunk the extent covers -- so a dataset declaring 2^35 rows that were never written
// is an error at once, not a scan of fill values. Data are read in blocks of 2^20 rows and at most 1024 chunks
// (libhdf5's bookkeeping grows with the chunks a read touches). Spike data are validated while read: times finite and
// >= 0, node ids below provenance population_size.<pop> (else 2^32) and inside recorded_node_ids; provenance
// population_size.<pop> must be an integer in [0, 2^32] and duration_ms a finite number >= 0. Any other failure (an
// allocation, a filesystem error) is turned into an io_error too: readers throw nothing else.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace neuromesh::io {

// Population name given to the flat legacy layouts (/spikes/{gids|node_ids} + /spikes/timestamps),
// which carry no population name of their own: the group they sit in.
inline constexpr const char* flat_spike_population = "spikes";

// One population's spikes. Times are in ms (files whose timestamps@units is "s" are converted).
struct spike_table {
  std::vector<std::uint64_t> node_ids;
  std::vector<double> timestamps_ms;
  // "none", "by_id" or "by_time" as stored (enum, or bmtk's string with "by_gid" read as "by_id");
  // "" when the file has no sorting attribute, meaning no order may be assumed. A claimed order the
  // data does not keep is reported as "none" (checked while reading, never trusted).
  std::string sorting;
  // The neurons whose spikes were recorded, when a recorder named `ids` (dataset
  // recorded_node_ids next to node_ids, sorted); empty: every neuron of the population.
  std::vector<std::uint64_t> recorded_node_ids;
};

// Spikes per population, keyed by population name, with times in [t_start, t_stop) ms. Every row
// is read (in blocks) and checked whatever the window, so a `sorting` attribute that lies gives
// the same spikes as an honest one, and a file is valid or not whatever is asked of it. The
// default window is every spike of the file, those stamped exactly at the end of the run
// included (a spike fired in the last step [T - dt, T) is stamped T).
std::map<std::string, spike_table> read_spikes(const std::string& path,
                                               double t_start = -std::numeric_limits<double>::infinity(),
                                               double t_stop = std::numeric_limits<double>::infinity());

// One frame-oriented report. data is row-major [frames × values]; for point-neuron reports
// values == node_ids.size() and column i belongs to node_ids[i]. data holds the stored values
// exactly whether the file has float32 (single-precision runs, other tools) or float64
// (double-precision runs); `type` says which.
struct report_table {
  std::string population;  // group@population when present, else the group name
  std::vector<std::uint64_t> node_ids;
  double tstart = 0.0, tstop = 0.0, dt = 0.0;  // [ms], from mapping/time
  std::string units, variable;
  std::string type;  // stored type of data: "float32", "float64", or e.g. "int32" from other writers
  std::vector<double> data;
  std::size_t frames = 0;
  std::size_t values = 0;  // columns per frame
};

// Every group under /report, keyed by group name (see report_writer for the naming convention).
std::map<std::string, report_table> read_reports(const std::string& path);

// The attributes of /provenance, split by type (integers are returned as numbers).
struct provenance_table {
  std::map<std::string, std::string> text;
  std::map<std::string, double> numbers;
};
provenance_table read_provenance(const std::string& path);

// A human-readable summary for `neuromesh info OUT.h5`: spike populations (count, id and time
// ranges, mean rate), reports (variable, nodes, frames, dt, stored type) and provenance. Streams
// the spike data, so large files are summarised without loading them. The mean rate counts every
// spike in the file (those at the end of the run included) over the recorded neurons
// (recorded_node_ids, else provenance population_size.<pop>, else the largest id + 1) and the run
// duration (provenance duration_ms, else the last spike time): spikes / neurons / duration, the
// same numbers neuromesh.analysis.summary gives. On POSIX systems the file is read in a forked
// child process allowed 8 GiB of address space beyond its own, so that a damaged file that crashes libhdf5
// itself (it trusts the metadata of object headers and global heaps) is an io_error too.
std::string describe_file(const std::string& path);
// describe_file read in this process, without the child: for tests and fuzzing (tests/fuzz), where a
// crash or sanitizer report must reach the caller. A file that crashes libhdf5 crashes the caller.
std::string describe_file_in_process(const std::string& path);

}  // namespace neuromesh::io
