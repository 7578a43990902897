// Spike exchange over MPI. Two strategies (docs/mpi.md):
//   allgather -- every rank receives every spike (NEST's scheme): one MPI_Allgatherv per epoch;
//   targeted  -- a spike goes only to the ranks that host at least one of its targets, learnt
//                once in prepare(); one MPI_Alltoallv per epoch (the cluster's multicast routing).
// Both send compact records (spike_codec.hpp) and give every rank the spikes it needs sorted by
// (step, gid), so delivery -- and the spikes -- do not depend on the strategy or the rank count.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <numeric>

#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/spike_codec.hpp>
#include <neuromesh/mpi/mpi_backend.hpp>

#include "environment.hpp"

namespace neuromesh::mpi {
namespace {

void check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw internal_error(std::string(call) + " failed: " + std::string(text, static_cast<std::size_t>(len)));
}

// Displacements of a counts vector; returns the total.
int displacements(const std::vector<int>& counts, std::vector<int>& displs) {
  displs.resize(counts.size());
  int total = 0;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    displs[k] = total;
    total += counts[k];
  }
  return total;
}

class scoped_timer {
 public:
  explicit scoped_timer(double& acc) : acc_(acc), t0_(std::chrono::steady_clock::now()) {}
  ~scoped_timer() { acc_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }

 private:
  double& acc_;
  std::chrono::steady_clock::time_point t0_;
};

class mpi_communicator final : public communicator {
 public:
  mpi_communicator(const std::string& exchange) : targeted_(exchange == "targeted") {
    if (exchange != "targeted" && exchange != "allgather")
      throw config_error("exchange", "unknown spike exchange '" + exchange + "' (known: targeted, allgather)");
    environment::process();
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    counts_.resize(size_);
    recv_counts_.resize(size_);
    per_rank_.resize(size_);
  }
  ~mpi_communicator() override {
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (!finalised) MPI_Comm_free(&comm_);
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string strategy() const override { return targeted_ ? "targeted" : "allgather"; }
  bool exchange_gives_all() const override { return !targeted_; }

  void prepare(const rank_map& owners, std::span<const gid_t> needed) override {
    if (!targeted_) return;
    // Ask each owner for the sources this rank needs; what others ask of us are our destinations.
    std::vector<std::vector<gid_t>> ask(size_);
    for (gid_t g : needed) {
      const auto r = static_cast<int>(owners.owner(g));
      if (r != rank_) ask[r].push_back(g);
    }
    std::vector<gid_t> send, recv;
    for (int r = 0; r < size_; ++r) {
      counts_[r] = static_cast<int>(ask[r].size());
      send.insert(send.end(), ask[r].begin(), ask[r].end());
    }
    check(MPI_Alltoall(counts_.data(), 1, MPI_INT, recv_counts_.data(), 1, MPI_INT, comm_), "MPI_Alltoall");
    std::vector<int> sdispls, rdispls;
    displacements(counts_, sdispls);
    recv.resize(static_cast<std::size_t>(displacements(recv_counts_, rdispls)));
    check(MPI_Alltoallv(send.data(), counts_.data(), sdispls.data(), MPI_UINT32_T, recv.data(), recv_counts_.data(),
                        rdispls.data(), MPI_UINT32_T, comm_),
          "MPI_Alltoallv");
    // Compressed lists of destination ranks per gid (ranks in increasing order).
    gid_t n = 0;
    for (gid_t g : recv) n = std::max(n, g + 1);
    dest_offsets_.assign(static_cast<std::size_t>(n) + 1, 0);
    for (gid_t g : recv) ++dest_offsets_[g + 1];
    std::partial_sum(dest_offsets_.begin(), dest_offsets_.end(), dest_offsets_.begin());
    dests_.resize(recv.size());
    std::vector<std::uint32_t> fill(dest_offsets_.begin(), dest_offsets_.end() - 1);
    for (int q = 0; q < size_; ++q)
      for (int k = rdispls[q]; k < rdispls[q] + recv_counts_[q]; ++k) dests_[fill[recv[k]]++] = q;
  }

  void exchange(std::span<const spike> local, std::vector<spike>& to_deliver) override {
    scoped_timer timer(stats_.seconds);
    sorted_.assign(local.begin(), local.end());
    std::sort(sorted_.begin(), sorted_.end());  // threads append in shard order
    to_deliver.assign(sorted_.begin(), sorted_.end());
    if (targeted_)
      exchange_targeted(to_deliver);
    else
      exchange_allgather(to_deliver);
    std::sort(to_deliver.begin(), to_deliver.end());
    ++stats_.exchanges;
  }

  void gather_to_root(std::span<const spike> local, std::vector<spike>& all) override {
    scoped_timer timer(stats_.seconds);
    all.assign(local.begin(), local.end());
    std::sort(all.begin(), all.end());
    send_.clear();
    encode_spikes(all, send_);
    int n = static_cast<int>(send_.size());
    check(MPI_Gather(&n, 1, MPI_INT, counts_.data(), 1, MPI_INT, 0, comm_), "MPI_Gather");
    std::vector<int> displs;
    const int total = rank_ == 0 ? displacements(counts_, displs) : 0;
    recv_.resize(static_cast<std::size_t>(total));
    check(MPI_Gatherv(send_.data(), n, MPI_BYTE, recv_.data(), counts_.data(), displs.data(), MPI_BYTE, 0, comm_),
          "MPI_Gatherv");
    if (rank_ != 0) {
      stats_.gather_bytes += static_cast<std::uint64_t>(n);
      return;
    }
    for (int q = 1; q < size_; ++q)
      decode_spikes(std::span<const std::uint8_t>(recv_).subspan(displs[q], counts_[q]), all);
    std::sort(all.begin(), all.end());
  }

  std::uint64_t min_over_ranks(std::uint64_t v) override { return reduce(v, MPI_MIN); }
  std::uint64_t max_over_ranks(std::uint64_t v) override { return reduce(v, MPI_MAX); }
  std::uint64_t sum_over_ranks(std::uint64_t v) override { return reduce(v, MPI_SUM); }

  void combine_values(std::span<const std::uint32_t> positions, std::span<const double> values,
                      std::span<double> out) override {
    int n = static_cast<int>(positions.size());
    check(MPI_Allgather(&n, 1, MPI_INT, counts_.data(), 1, MPI_INT, comm_), "MPI_Allgather");
    std::vector<int> displs;
    const int total = displacements(counts_, displs);
    std::vector<std::uint32_t> all_pos(static_cast<std::size_t>(total));
    std::vector<double> all_val(static_cast<std::size_t>(total));
    check(MPI_Allgatherv(positions.data(), n, MPI_UINT32_T, all_pos.data(), counts_.data(), displs.data(), MPI_UINT32_T,
                         comm_),
          "MPI_Allgatherv");
    check(
        MPI_Allgatherv(values.data(), n, MPI_DOUBLE, all_val.data(), counts_.data(), displs.data(), MPI_DOUBLE, comm_),
        "MPI_Allgatherv");
    for (int k = 0; k < total; ++k) out[all_pos[k]] = all_val[k];
  }

  void gather_bytes_to_root(std::span<const std::uint8_t> local, std::vector<std::uint8_t>& all,
                            std::vector<std::uint64_t>& sizes) override {
    // The total is agreed first, so every rank refuses alike (MPI counts are int).
    const std::uint64_t total = reduce(local.size(), MPI_SUM);
    if (total > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
      throw config_error("checkpoint", "the ranks' state (" + std::to_string(total) +
                                           " bytes) exceeds what one MPI gather carries (2 GiB)");
    int n = static_cast<int>(local.size());
    check(MPI_Gather(&n, 1, MPI_INT, counts_.data(), 1, MPI_INT, 0, comm_), "MPI_Gather");
    std::vector<int> displs;
    if (rank_ == 0) displacements(counts_, displs);
    all.resize(rank_ == 0 ? static_cast<std::size_t>(total) : 0);
    check(MPI_Gatherv(local.data(), n, MPI_BYTE, all.data(), counts_.data(), displs.data(), MPI_BYTE, 0, comm_),
          "MPI_Gatherv");
    sizes.clear();
    if (rank_ == 0) sizes.assign(counts_.begin(), counts_.end());
  }

  void agree(std::exception_ptr failure) override {
    const int mine = failure ? rank_ : size_;
    int first = size_;
    check(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm_), "MPI_Allreduce");
    if (first == size_) return;
    if (first == rank_) std::rethrow_exception(failure);
    throw peer_failure("rank " + std::to_string(first) + " of " + std::to_string(size_) +
                       " failed (its message is printed by that rank); rank " + std::to_string(rank_) + " stops too");
  }

  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::abort();  // MPI_Abort does not return; this keeps the [[noreturn]] promise if it did
  }

  exchange_statistics statistics() const override { return stats_; }

 private:
  std::uint64_t reduce(std::uint64_t v, MPI_Op op) {
    std::uint64_t r = 0;
    check(MPI_Allreduce(&v, &r, 1, MPI_UINT64_T, op, comm_), "MPI_Allreduce");
    return r;
  }

  void exchange_allgather(std::vector<spike>& to_deliver) {
    send_.clear();
    encode_spikes(sorted_, send_);
    int n = static_cast<int>(send_.size());
    check(MPI_Allgather(&n, 1, MPI_INT, counts_.data(), 1, MPI_INT, comm_), "MPI_Allgather");
    std::vector<int>& displs = displs_;
    const int total = displacements(counts_, displs);
    recv_.resize(static_cast<std::size_t>(total));
    check(MPI_Allgatherv(send_.data(), n, MPI_BYTE, recv_.data(), counts_.data(), displs.data(), MPI_BYTE, comm_),
          "MPI_Allgatherv");
    for (int q = 0; q < size_; ++q)
      if (q != rank_) decode_spikes(std::span<const std::uint8_t>(recv_).subspan(displs[q], counts_[q]), to_deliver);
    stats_.bytes_sent += static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(size_ - 1);
    stats_.bytes_received += static_cast<std::uint64_t>(total - n);
  }

  void exchange_targeted(std::vector<spike>& to_deliver) {
    for (auto& v : per_rank_) v.clear();
    for (const spike& s : sorted_)
      if (s.gid + 1 < dest_offsets_.size())
        for (std::uint32_t k = dest_offsets_[s.gid]; k < dest_offsets_[s.gid + 1]; ++k)
          per_rank_[dests_[k]].push_back(s);
    send_.clear();
    for (int q = 0; q < size_; ++q) {
      const std::size_t before = send_.size();
      encode_spikes(per_rank_[q], send_);
      counts_[q] = static_cast<int>(send_.size() - before);
    }
    check(MPI_Alltoall(counts_.data(), 1, MPI_INT, recv_counts_.data(), 1, MPI_INT, comm_), "MPI_Alltoall");
    std::vector<int> sdispls;
    displacements(counts_, sdispls);
    const int total = displacements(recv_counts_, displs_);
    recv_.resize(static_cast<std::size_t>(total));
    check(MPI_Alltoallv(send_.data(), counts_.data(), sdispls.data(), MPI_BYTE, recv_.data(), recv_counts_.data(),
                        displs_.data(), MPI_BYTE, comm_),
          "MPI_Alltoallv");
    for (int q = 0; q < size_; ++q)
      decode_spikes(std::span<const std::uint8_t>(recv_).subspan(displs_[q], recv_counts_[q]), to_deliver);
    stats_.bytes_sent += send_.size();
    stats_.bytes_received += static_cast<std::uint64_t>(total);
  }

  bool targeted_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
  std::vector<int> counts_, recv_counts_, displs_;
  std::vector<std::uint32_t> dest_offsets_;  // per gid: range in dests_ (targeted)
  std::vector<int> dests_;                   // destination ranks (other than this one)
  std::vector<spike> sorted_;
  std::vector<std::vector<spike>> per_rank_;
  std::vector<std::uint8_t> send_, recv_;
  exchange_statistics stats_;
};

}  // namespace

std::unique_ptr<communicator> make_communicator(const std::string& exchange) {
  return std::make_unique<mpi_communicator>(exchange);
}

}  // namespace neuromesh::mpi
