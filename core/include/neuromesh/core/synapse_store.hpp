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
// word and store no segments (8 bytes less per segment). The word is receptor << 31 |
// (delay * stride + target), stride = the builder's n_targets: exactly the offset of the
// synapse's ring-buffer cell from its spike's slot when the ring's rows are n_targets long, so
// delivery adds one constant per (receptor, wrap) range of a row instead of decoding each word
// (docs/benchmarks.md, the PD14 regression: the decode's ~15 instructions per synapse left fewer
// of the ring's cache misses in flight). Words sort like (receptor, delay, target). Readers use
// target(k) and for_each_segment, which work in every layout; targets() gives the raw words.
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
  // Division of a 31-bit packed cell by the stride without a divide instruction (readers call it
  // per synapse): quotient(x) = x * m >> k with m = ceil(2^k / n), k = 31 + ceil(log2 n), exact for
  // every x < 2^31 (Granlund and Montgomery 1994, theorem 4.2: m n - 2^k < n <= 2^(k - 31)).
  struct divider {
    std::uint32_t n = 1;
    std::uint64_t m = std::uint64_t{1} << 31;
    int k = 31;
    explicit divider(std::uint32_t d = 1);
    std::uint32_t quotient(std::uint32_t x) const { return static_cast<std::uint32_t>((x * m) >> k); }
  };
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
        // the construction key: receptor | delay | target in bit fields (build() turns packed
        // rows' keys into the stride form above)
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
    std::uint32_t n_targets_ = 0;
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
    if (packed_) {  // runs of equal receptor and delay: words below the next delay's first
      for (std::uint32_t begin = a; begin < b;) {
        const std::uint32_t w = targets_[begin];
        const delay_t delay = delay_of_word(w);
        const std::uint64_t next = (w & 0x80000000u) + (static_cast<std::uint64_t>(delay) + 1) * stride_.n;
        std::uint32_t end = begin + 1;
        while (end < b && targets_[end] < next) ++end;
        f(begin, end, delay, receptor_of_word(w));
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
  std::uint32_t target(std::size_t k) const { return packed_ ? target_of_word(targets_[k]) : targets_[k]; }
  bool packed() const { return packed_; }
  // Packed words (packed() only): receptor << 31 | (delay * stride() + target).
  std::uint32_t stride() const { return stride_.n; }
  static std::uint32_t cell_of_word(std::uint32_t w) { return w & 0x7fffffffu; }  // delay * stride + target
  delay_t delay_of_word(std::uint32_t w) const { return static_cast<delay_t>(stride_.quotient(cell_of_word(w))); }
  std::uint32_t target_of_word(std::uint32_t w) const {
    const std::uint32_t cell = cell_of_word(w);
    return cell - stride_.quotient(cell) * stride_.n;
  }
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
  divider stride_;
  row_segment uniform_{};  // the delay and receptor of every synapse when one_segment_per_row_
  std::vector<std::uint32_t> targets_;
  std::vector<float> weights_;
  bool shared_ = false;
  float shared_weight_ = 0.0f;
  delay_t min_delay_ = 0, max_delay_ = 0;
};

}  // namespace neuromesh
