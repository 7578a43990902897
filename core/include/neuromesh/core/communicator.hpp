#pragma once
// How the spikes of an epoch reach every process that needs them, and the few collective
// operations the simulation driver needs. The local implementation (one process) is below; the
// MPI backend (backends/mpi) implements the same interface. core never includes MPI headers.
#include <cstdint>
#include <exception>
#include <span>
#include <string>
#include <vector>

#include <neuromesh/core/partition.hpp>
#include <neuromesh/core/spike.hpp>

namespace neuromesh {

// What a process sent and received through the communicator so far (exchange and gathers).
struct exchange_statistics {
  std::uint64_t exchanges = 0;       // epochs exchanged
  std::uint64_t bytes_sent = 0;      // payload bytes this rank sent to other ranks (exchange only)
  std::uint64_t bytes_received = 0;  // payload bytes it received from other ranks (exchange only)
  std::uint64_t gather_bytes = 0;    // bytes it sent for recording at the root
  double seconds = 0;                // wall time inside exchange and gathers
};

class communicator {
 public:
  virtual ~communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // "local", "allgather" or "targeted".
  virtual std::string strategy() const = 0;

  // Once, after construction: which neurons each rank owns, and the sorted gids of the sources
  // that have at least one target on this rank (the targeted strategy sends a spike only to the
  // ranks that need it). Collective.
  virtual void prepare(const rank_map& owners, std::span<const gid_t> sources_needed) = 0;
  // Phase exchange: `local` are this rank's spikes of the epoch; on return `to_deliver` holds the
  // spikes this rank must deliver (at least those with local targets), sorted by (step, gid).
  // Collective.
  virtual void exchange(std::span<const spike> local, std::vector<spike>& to_deliver) = 0;
  // Whether exchange() already gives every rank all spikes (then no gather is needed to record).
  virtual bool exchange_gives_all() const = 0;
  // All ranks' `local` spikes at the root (rank 0), sorted by (step, gid); every other rank gets
  // its own `local` spikes, sorted. Collective.
  virtual void gather_to_root(std::span<const spike> local, std::vector<spike>& all) = 0;

  // Collective reductions over ranks.
  virtual std::uint64_t min_over_ranks(std::uint64_t v) = 0;
  virtual std::uint64_t max_over_ranks(std::uint64_t v) = 0;
  virtual std::uint64_t sum_over_ranks(std::uint64_t v) = 0;
  // out[positions[k]] = values[k] for every rank's (positions, values); each position is given by
  // exactly one rank. Every rank gets the whole `out`. Collective.
  virtual void combine_values(std::span<const std::uint32_t> positions, std::span<const double> values,
                              std::span<double> out) = 0;

  // Checkpoints: every rank's `local` bytes at the root, one piece per rank in rank order
  // (`all` holds them concatenated, `sizes` their lengths); other ranks get nothing. Collective.
  virtual void gather_bytes_to_root(std::span<const std::uint8_t> local, std::vector<std::uint8_t>& all,
                                    std::vector<std::uint64_t>& sizes) = 0;

  // Error agreement after a phase of purely local work: if any rank failed, the lowest failing rank
  // rethrows its own exception and every other rank throws peer_failure -- no rank is left
  // waiting in a later collective. Collective.
  virtual void agree(std::exception_ptr failure) = 0;
  // Ends every process at once after an error outside an agreement point (printed by the caller).
  [[noreturn]] virtual void abort(int code) = 0;

  virtual exchange_statistics statistics() const = 0;
};

// One process: exchange sorts the process's own spikes; the collectives are the identity.
class local_communicator final : public communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string strategy() const override { return "local"; }
  void prepare(const rank_map&, std::span<const gid_t>) override {}
  void exchange(std::span<const spike> local, std::vector<spike>& to_deliver) override;
  bool exchange_gives_all() const override { return true; }
  void gather_to_root(std::span<const spike> local, std::vector<spike>& all) override;
  std::uint64_t min_over_ranks(std::uint64_t v) override { return v; }
  std::uint64_t max_over_ranks(std::uint64_t v) override { return v; }
  std::uint64_t sum_over_ranks(std::uint64_t v) override { return v; }
  void combine_values(std::span<const std::uint32_t> positions, std::span<const double> values,
                      std::span<double> out) override;
  void gather_bytes_to_root(std::span<const std::uint8_t> local, std::vector<std::uint8_t>& all,
                            std::vector<std::uint64_t>& sizes) override {
    all.assign(local.begin(), local.end());
    sizes.assign(1, local.size());
  }
  void agree(std::exception_ptr failure) override {
    if (failure) std::rethrow_exception(failure);
  }
  [[noreturn]] void abort(int code) override;
  exchange_statistics statistics() const override { return stats_; }

 private:
  exchange_statistics stats_;
};

}  // namespace neuromesh
