#pragma once
// Static synapses owned by one target shard, as compressed rows by source neuron. Each row is
// sorted by (receptor, delay, target) and cut into segments of equal receptor and delay, so the
// per-synapse payload is exactly a 32-bit shard-local target and a 32-bit float weight
// (8 bytes; delays and receptors live once per segment). Targets and weights are separate arrays
// so plastic synapse models can add their own per-synapse arrays (traces, mutable weights)
// beside them without changing this layout. When every synapse of a receptor carries the same
// weight (Vogels-Abbott, Brunel), the weight array is dropped -- 4 bytes per synapse -- and
// delivery adds one constant per receptor (GeNN's GLOBALG connectivity).
#include <cstdint>
#include <span>
#include <vector>

#include <neuromesh/core/network.hpp>
#include <neuromesh/core/time.hpp>

namespace neuromesh {

// A run of synapses of one row sharing receptor and delay: synapses [previous end, end).
struct row_segment {
  std::uint32_t end;
  delay_t delay;
  std::uint8_t receptor;
};

class synapse_store {
 public:
  // A synapse as handed to build(): source gid, shard-local target.
  struct entry {
    gid_t source;
    std::uint32_t target;
    float weight;
    delay_t delay;
    std::uint8_t receptor;
  };

  // Collects synapses in two passes over a deterministic generator, so construction needs no
  // sorted copy of 16-byte entries:
  //   builder b(n_sources, n_targets);  (generate: b.count(e.source) for each)  b.allocate();
  //   (generate again, same order: b.place(e) for each)  store.build(std::move(b));
  // With n_targets given, receptor, delay and target are packed into one 32-bit key
  // (receptor | delay | target, high to low bits) whose order is the row order, so construction
  // peaks at the final 8 bytes per synapse; a delay too long for the bits left moves the builder
  // to separate columns (11 bytes per synapse) on the fly.
  class builder {
   public:
    explicit builder(gid_t n_sources, std::uint32_t n_targets = 0);
    void count(gid_t source) { ++next_[source + 1]; }
    void allocate();
    void place(const entry& e) {
      const std::uint64_t k = next_[e.source]++;
      weights_[k] = e.weight;
      if (packed_ && e.delay <= max_packed_delay_) {
        targets_[k] = (static_cast<std::uint32_t>(e.receptor) << 31) |
                      (static_cast<std::uint32_t>(e.delay) << target_bits_) | e.target;
        return;
      }
      if (packed_) unpack();
      targets_[k] = e.target;
      delays_[k] = e.delay;
      receptors_[k] = e.receptor;
    }

   private:
    friend class synapse_store;
    void unpack();  // packed keys -> separate columns
    bool packed_ = false;
    int target_bits_ = 0;
    std::uint32_t max_packed_delay_ = 0;
    std::vector<std::uint64_t> next_;  // counts, then the next free slot of each row
    std::vector<std::uint32_t> targets_;
    std::vector<float> weights_;
    std::vector<delay_t> delays_;
    std::vector<std::uint8_t> receptors_;
  };

  // Sorts each row by (receptor, delay, target) and cuts it into segments.
  void build(builder&& b);
  // The same from a list of entries (consumed), for sources [0, n_sources).
  void build(std::vector<entry>&& entries, gid_t n_sources);

  // Segments of the row of `source` and the index where its first segment begins.
  std::span<const row_segment> segments(gid_t source) const {
    return {segments_.data() + row_offsets_[source], segments_.data() + row_offsets_[source + 1]};
  }
  std::uint32_t row_begin(gid_t source) const {
    const std::uint32_t k = row_offsets_[source];
    return k == 0 ? 0u : segments_[k - 1].end;
  }
  const std::uint32_t* targets() const { return targets_.data(); }
  // Per-synapse weights; empty when shared_weights().
  const float* weights() const { return weights_.data(); }
  bool shared_weights() const { return shared_; }
  // The one weight of every synapse on `receptor` (only when shared_weights()).
  float shared_weight(int receptor) const { return shared_weight_[receptor]; }

  std::size_t size() const { return targets_.size(); }
  delay_t min_delay() const { return min_delay_; }
  delay_t max_delay() const { return max_delay_; }
  // Bytes of per-synapse payload (targets + weights) and of the row/segment index.
  std::size_t payload_bytes() const { return size() * sizeof(std::uint32_t) + weights_.size() * sizeof(float); }
  std::size_t index_bytes() const {
    return row_offsets_.size() * sizeof(std::uint32_t) + segments_.size() * sizeof(row_segment);
  }

 private:
  void share_weights_if_uniform();
  void sort_row(builder& b, std::uint64_t begin, std::uint64_t end);

  std::vector<std::uint32_t> row_offsets_;  // n_sources + 1 offsets into segments_
  std::vector<row_segment> segments_;
  std::vector<std::uint32_t> targets_;
  std::vector<float> weights_;
  bool shared_ = false;
  float shared_weight_[n_receptors] = {0.0f, 0.0f};
  delay_t min_delay_ = 0, max_delay_ = 0;
};

}  // namespace neuromesh
