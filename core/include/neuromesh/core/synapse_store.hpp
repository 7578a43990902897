#pragma once
// The synapses of one projection onto the targets one shard (or device) owns, as compressed rows by
// source neuron (index within the pre population). Each row is sorted by (receptor, delay, target)
// and cut into segments of equal receptor and delay, so the per-synapse payload is exactly a 32-bit
// target and a 32-bit float weight (8 bytes; delays and receptors live once per segment). Targets
// and weights are separate arrays so plastic synapse models can add their own per-synapse columns
// beside them without changing this layout. A projection whose weight is one number
// (weight_storage::shared, chosen from the description: synapses/registry.hpp) keeps it once --
// 4 bytes per synapse -- and delivery adds one constant (GeNN's GLOBALG connectivity).
//
// Packed rows (row_layout::packed, asked for by the cpu backend for static synapses): rows whose
// synapses have many (receptor, delay) pairs -- the microcircuit's normally distributed delays
// give ~10 synapses per segment -- keep each synapse's receptor and delay in its 32-bit target
// word (receptor | delay | target, high to low bits, the construction key) and store no
// segments: 8 bytes less per segment, and delivery decodes each word instead of walking a
// segment loop whose short trips mispredict (docs/benchmarks.md, the PD14 regression). Readers
// use target(k) and for_each_segment, which work in every layout; targets() gives the raw words.
#include <cstdint>
#include <span>
#include <vector>

#include <neuromesh/core/network.hpp>
#include <neuromesh/core/time.hpp>

namespace neuromesh {

// How a projection keeps its weights: one for all synapses, or one per synapse.
enum class weight_storage : std::uint8_t { shared, per_synapse };

// How rows keep receptor and delay: per segment, or packed into each target word where they fit
// (falls back to segments where they do not, and to one segment per row where all are equal).
enum class row_layout : std::uint8_t { segments, packed };

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
  // to separate columns (11 bytes per synapse) on the fly. With weight_storage::shared no weight
  // column is built at all; every placed weight must then equal the first (else internal_error).
  class builder {
   public:
    explicit builder(gid_t n_sources, std::uint32_t n_targets = 0, weight_storage storage = weight_storage::per_synapse,
                     row_layout layout = row_layout::segments);
    void count(gid_t source) { ++next_[source + 1]; }
    void allocate();
    void place(const entry& e) {
      const std::uint64_t k = next_[e.source]++;
      if (storage_ == weight_storage::per_synapse)
        weights_[k] = e.weight;
      else
        share(e.weight);
      if (packed_ && e.delay <= max_packed_delay_ && e.receptor <= 1) {  // one bit holds receptors 0 and 1
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
    void share(float w);
    weight_storage storage_;
    row_layout layout_;
    bool have_shared_ = false;
    float shared_weight_ = 0.0f;
    bool packed_ = false;
    int target_bits_ = 0;
    std::uint32_t max_packed_delay_ = 0;
    std::vector<std::uint64_t> next_;  // counts, then the next free slot of each row
    std::vector<std::uint32_t> targets_;
    std::vector<float> weights_;
    std::vector<delay_t> delays_;
    std::vector<std::uint8_t> receptors_;
  };

  // Sorts each row by (receptor, delay, target) and cuts it into segments (or keeps the packed
  // words: row_layout::packed).
  void build(builder&& b);
  // The same from a list of entries (consumed), for sources [0, n_sources).
  void build(std::vector<entry>&& entries, gid_t n_sources, weight_storage storage = weight_storage::per_synapse);

  // Calls f(begin, end, delay, receptor) for each segment [begin, end) of the row of `source`,
  // in row order.
  template <class F>
  void for_each_segment(gid_t source, F&& f) const {
    const std::uint32_t a = row_offsets_[source], b = row_offsets_[source + 1];
    if (one_segment_per_row_) {
      if (a < b) f(a, b, uniform_.delay, uniform_.receptor);
      return;
    }
    if (packed_) {  // runs of equal receptor | delay bits
      for (std::uint32_t begin = a; begin < b;) {
        const std::uint32_t pair = targets_[begin] >> target_bits_;
        std::uint32_t end = begin + 1;
        while (end < b && targets_[end] >> target_bits_ == pair) ++end;
        f(begin, end, delay_of_word(targets_[begin]), receptor_of_word(targets_[begin]));
        begin = end;
      }
      return;
    }
    std::uint32_t begin = a == 0 ? 0u : segments_[a - 1].end;
    for (std::uint32_t s = a; s < b; ++s) {
      f(begin, segments_[s].end, segments_[s].delay, segments_[s].receptor);
      begin = segments_[s].end;
    }
  }
  bool row_empty(gid_t source) const { return row_offsets_[source] == row_offsets_[source + 1]; }
  // Packed layout only: the synapses [begin, end) of the row of `source`.
  std::uint32_t row_begin(gid_t source) const { return row_offsets_[source]; }
  std::uint32_t row_end(gid_t source) const { return row_offsets_[source + 1]; }
  // The raw target words: targets, or receptor | delay | target when packed().
  const std::uint32_t* targets() const { return targets_.data(); }
  // The target of synapse k, in every layout.
  std::uint32_t target(std::size_t k) const { return targets_[k] & target_mask_; }
  bool packed() const { return packed_; }
  // Decoding a packed word (packed() only).
  std::uint32_t target_mask() const { return target_mask_; }
  delay_t delay_of_word(std::uint32_t w) const { return static_cast<delay_t>((w & 0x7fffffffu) >> target_bits_); }
  static std::uint8_t receptor_of_word(std::uint32_t w) { return static_cast<std::uint8_t>(w >> 31); }
  // Per-synapse weights; null when shared_weights().
  const float* weights() const { return shared_ ? nullptr : weights_.data(); }
  bool shared_weights() const { return shared_; }
  // The one weight of every synapse (only when shared_weights()).
  float shared_weight() const { return shared_weight_; }
  // The weight of synapse k, whichever the storage.
  float weight(std::size_t k) const { return shared_ ? shared_weight_ : weights_[k]; }

  // Frees the weight column once a plastic rule has copied the weights into its own (weight() is
  // then no longer valid).
  void release_weights() { std::vector<float>().swap(weights_); }

  std::size_t size() const { return targets_.size(); }
  delay_t min_delay() const { return min_delay_; }
  delay_t max_delay() const { return max_delay_; }
  // Bytes of per-synapse payload (targets + weights) and of the row/segment index (4 bytes per source,
  // plus 8 per segment where rows have several).
  std::size_t payload_bytes() const { return size() * sizeof(std::uint32_t) + weights_.size() * sizeof(float); }
  std::size_t index_bytes() const {
    return row_offsets_.size() * sizeof(std::uint32_t) + segments_.size() * sizeof(row_segment);
  }

 private:
  // Reused across the rows of one build (no allocation per row).
  struct sort_scratch {
    std::vector<std::uint64_t> items;
    std::vector<std::uint32_t> counts;
    std::vector<float> weights;
  };
  void sort_row(builder& b, std::uint64_t begin, std::uint64_t end, sort_scratch& scratch);
  void drop_segments_if_uniform();
  void build_packed(builder&& b);

  // n_sources + 1 offsets into segments_; or, when every synapse has the same delay and receptor
  // (one segment per row: Brunel, Vogels-Abbott), into targets_, with no segments stored.
  // When packed_, into targets_ as well, with no segments.
  std::vector<std::uint32_t> row_offsets_;
  std::vector<row_segment> segments_;
  bool one_segment_per_row_ = false;
  bool packed_ = false;
  int target_bits_ = 0;
  std::uint32_t target_mask_ = 0xffffffffu;
  row_segment uniform_{};  // the delay and receptor of every synapse when one_segment_per_row_
  std::vector<std::uint32_t> targets_;
  std::vector<float> weights_;
  bool shared_ = false;
  float shared_weight_ = 0.0f;
  delay_t min_delay_ = 0, max_delay_ = 0;
};

}  // namespace neuromesh
