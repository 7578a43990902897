#pragma once
// The connectors' generation as host/device functions: the synapses of one target (or, for
// fixed_outdegree, of one source) from that entity's keyed streams. The cpu backend builds
// through them (core/src/connectors.cpp), the CUDA backend runs the very same functions on the
// device -- a count pass and a fill pass, one thread per generating entity -- and regenerates
// rows from them in its procedural mode; so every backend gets the same synapses bit for bit.
// Everything here is plain data (pointers, no std::vector or std::variant) so it can be copied
// to a device. Explicit lists stay host-side (connectors.cpp): their data is the user's.
#include <cmath>
#include <cstdint>

#include <neuromesh/core/macros.hpp>
#include <neuromesh/core/math.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/random/distributions.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>
#include <neuromesh/core/time.hpp>

namespace neuromesh::kernels {

inline constexpr std::int64_t no_self = -1;
inline constexpr int max_draw_attempts = 10000;

// One value of `d` from `s`, redrawn while outside [low, high]; false after max_draw_attempts
// (the host turns that into a config_error, device code into its error flag).
template <random::uniform_stream S>
NEUROMESH_INLINE_HOST_DEVICE bool draw_within(const distribution& d, S& s, double& x) {
  for (int attempt = 0; attempt < max_draw_attempts; ++attempt) {
    switch (d.type) {
      case distribution::kind::uniform:
        x = random::uniform(s, d.a, d.b);
        break;
      case distribution::kind::normal:
        x = random::normal(s, d.a, d.b);
        break;
      case distribution::kind::exponential:
        x = random::exponential(s, d.a);
        break;
      case distribution::kind::lognormal:
        x = random::lognormal(s, d.a, d.b);
        break;
    }
    if (x >= d.low && x <= d.high) {
      if (d.magnitude_sign != 0.0) x = d.magnitude_sign * (x < 0.0 ? -x : x);
      return true;
    }
  }
  return false;
}

// A value_spec as plain data: a constant, an array (indexed by the synapse's explicit index or
// its target) or a distribution.
struct value_source {
  enum class kind : std::uint8_t { constant, array, draw };
  kind type = kind::constant;
  double constant = 0.0;
  const double* array = nullptr;  // host or device memory, whichever side generates
  distribution dist;
};

// Why a synapse could not be generated (device code cannot throw; the host maps these to the
// errors the cpu backend raises).
enum class generation_error : std::uint8_t { none, weight_draw, delay_draw, delay_range };

// Draws the weights (or delays) of consecutive synapses of one generating entity.
struct value_sampler {
  value_source v;
  keyed_stream s;
  NEUROMESH_INLINE_HOST_DEVICE value_sampler(const value_source& src, std::uint64_t seed, rng_purpose purpose,
                                             std::uint32_t entity, std::uint32_t proj)
      : v(src), s(seed, purpose, entity, proj) {}
  // k: the synapse's index into an array-valued spec.
  NEUROMESH_INLINE_HOST_DEVICE bool next(std::uint64_t k, double& x) {
    if (v.type == value_source::kind::constant) return (x = v.constant), true;
    if (v.type == value_source::kind::array) return (x = v.array[k]), true;
    return draw_within(v.dist, s, x);
  }
};

// A connector as plain data (the explicit lists are not part of it).
struct connector_params {
  connector::kind type = connector::kind::all_to_all;
  double p = 0.0, sigma = 0.0;
  std::uint64_t n = 0;
  bool multapses = true;
};

// One projection as generation sees it: view-local indices [0, n_pre) x [0, n_post).
struct projection_params {
  connector_params conn;
  value_source weight, delay;
  std::uint64_t seed = 0;
  std::uint32_t id = 0;
  index_t pre_begin = 0, n_pre = 0, post_begin = 0, n_post = 0;
  bool exclude_self = false;             // same population and no autapses
  double steps_per_ms = 10.0;            // 1 / dt, as time_grid computes it (delay rounding)
  const std::uint64_t* split = nullptr;  // fixed_total_number: synapses per target

  // The view-local source that is target j itself (or no_self), and the reverse.
  NEUROMESH_INLINE_HOST_DEVICE std::int64_t self_of_target(index_t j) const {
    const std::int64_t i = static_cast<std::int64_t>(j) + post_begin - pre_begin;
    return exclude_self && i >= 0 && i < n_pre ? i : no_self;
  }
  NEUROMESH_INLINE_HOST_DEVICE std::int64_t self_of_source(index_t i) const {
    const std::int64_t j = static_cast<std::int64_t>(i) + pre_begin - post_begin;
    return exclude_self && j >= 0 && j < n_post ? j : no_self;
  }
};

// A synapse as generation emits it (view-local indices).
struct synapse_draw {
  index_t source, target;
  float weight;
  delay_t delay;
};

NEUROMESH_INLINE_HOST_DEVICE index_t uniform_index(keyed_stream& s, std::uint64_t n) {
  const auto k = static_cast<std::uint64_t>(s.uniform() * static_cast<double>(n));
  return static_cast<index_t>(k < n - 1 ? k : n - 1);
}

// Calls f(i) for every source i of target j, in generation order, for the per-target
// connectors; `self` is the source that is j itself when autapses are excluded (else no_self),
// `count` the target's share of a fixed_total_number.
template <class F>
NEUROMESH_INLINE_HOST_DEVICE void sources_of_target(const connector_params& c, index_t j, index_t n_pre,
                                                    std::int64_t self, std::uint64_t count, keyed_stream& s, F&& f) {
  const bool skip_self = self != no_self;
  switch (c.type) {
    case connector::kind::all_to_all:
      for (index_t i = 0; i < n_pre; ++i)
        if (!(skip_self && i == self)) f(i);
      break;
    case connector::kind::one_to_one:
      f(j);
      break;
    case connector::kind::fixed_probability: {
      if (c.p <= 0.0) break;
      // Skip ahead by geometric gaps: cost proportional to the synapses made, not to n_pre.
      for (std::uint64_t i = random::geometric_failures(s, c.p); i < n_pre; i += 1 + random::geometric_failures(s, c.p))
        if (!(skip_self && static_cast<std::int64_t>(i) == self)) f(static_cast<index_t>(i));
      break;
    }
    case connector::kind::fixed_indegree:
    case connector::kind::fixed_total_number: {
      const std::uint64_t k = c.type == connector::kind::fixed_indegree ? c.n : count;
      const std::uint64_t pool = n_pre - (skip_self ? 1 : 0);
      if (c.multapses) {
        for (std::uint64_t made = 0; made < k; ++made) {
          index_t i = uniform_index(s, pool);
          if (skip_self && i >= self) ++i;  // map the pool [0, n_pre-1) around the target itself
          f(i);
        }
      } else {
        // Selection sampling (Knuth's Algorithm S): k distinct sources in increasing order.
        std::uint64_t needed = k;
        for (std::uint64_t i = 0, left = pool; i < n_pre && needed > 0; ++i) {
          if (skip_self && static_cast<std::int64_t>(i) == self) continue;
          if (s.uniform() * static_cast<double>(left) < static_cast<double>(needed)) {
            f(static_cast<index_t>(i));
            --needed;
          }
          --left;
        }
      }
      break;  // order is the draw order; the store sorts each row anyway
    }
    default:
      break;  // per-source and explicit connectors are not generated by target
  }
}

// Sources of target j for distance_probability: every source within the kernel's 4-sigma window
// (on the periodic unit square) gets one uniform draw, in a fixed order, and connects with
// p exp(-d^2 / (2 sigma^2)). The exponential is the in-project one (same on every backend).
template <class F>
NEUROMESH_INLINE_HOST_DEVICE void sources_by_distance(const connector_params& c, index_t j, index_t n_pre,
                                                      index_t n_post, std::int64_t self, keyed_stream& s, F&& f) {
  if (c.p <= 0.0 || n_pre == 0) return;
  const auto side = [](index_t n) { return static_cast<std::int64_t>(std::ceil(std::sqrt(static_cast<double>(n)))); };
  const std::int64_t sp = side(n_pre), sq = side(n_post);
  const double ty = (static_cast<double>(j / sq) + 0.5) / static_cast<double>(sq);
  const double tx = (static_cast<double>(j % sq) + 0.5) / static_cast<double>(sq);
  const auto w = static_cast<std::int64_t>(std::ceil(4.0 * c.sigma * static_cast<double>(sp)));
  const bool all = 2 * w + 1 >= sp;  // the window covers the whole sheet
  const std::int64_t cy = static_cast<std::int64_t>(ty * static_cast<double>(sp));
  const std::int64_t cx = static_cast<std::int64_t>(tx * static_cast<double>(sp));
  const double inv_two_sigma2 = 1.0 / (2.0 * c.sigma * c.sigma);
  const auto wrap = [](double d) {
    d = std::fabs(d);
    return d > 0.5 ? 1.0 - d : d;
  };
  for (std::int64_t a = all ? 0 : -w; a <= (all ? sp - 1 : w); ++a) {
    const std::int64_t row = all ? a : ((cy + a) % sp + sp) % sp;
    for (std::int64_t b = all ? 0 : -w; b <= (all ? sp - 1 : w); ++b) {
      const std::int64_t col = all ? b : ((cx + b) % sp + sp) % sp;
      const std::int64_t i = row * sp + col;
      if (i >= n_pre || i == self) continue;
      const double dy = wrap((static_cast<double>(row) + 0.5) / static_cast<double>(sp) - ty);
      const double dx = wrap((static_cast<double>(col) + 0.5) / static_cast<double>(sp) - tx);
      if (s.uniform() < c.p * math::exp(-(dx * dx + dy * dy) * inv_two_sigma2)) f(static_cast<index_t>(i));
    }
  }
}

// Draws one synapse's weight and delay into `out`; the error, if any.
NEUROMESH_INLINE_HOST_DEVICE generation_error draw_values(const projection_params& p, value_sampler& w,
                                                          value_sampler& d, std::uint64_t k, synapse_draw& out,
                                                          double& bad_delay) {
  double weight = 0.0, delay = 0.0;
  if (!w.next(k, weight)) return generation_error::weight_draw;
  if (!d.next(k, delay)) return generation_error::delay_draw;
  out.weight = static_cast<float>(weight);
  if (!delay_in_steps(delay, p.steps_per_ms, out.delay)) return (bad_delay = delay), generation_error::delay_range;
  return generation_error::none;
}

// The outcome of generating one entity's synapses: the first error (and the delay that caused a
// range error, for the host's message).
struct generation_status {
  generation_error error = generation_error::none;
  double bad_delay = 0.0;
};

// Calls f(synapse_draw) for every synapse onto view-local target j of a per-target connector,
// in generation order. values == false: sources and targets only (weight 0, delay 1).
template <class F>
NEUROMESH_INLINE_HOST_DEVICE generation_status synapses_of_target(const projection_params& p, index_t j, bool values,
                                                                  F&& f) {
  keyed_stream s(p.seed, rng_purpose::connectivity, j, p.id);
  value_sampler w(p.weight, p.seed, rng_purpose::weight, j, p.id);
  value_sampler d(p.delay, p.seed, rng_purpose::delay, j, p.id);
  generation_status st;
  auto emit = [&](index_t i) {
    synapse_draw g{i, j, 0.0f, 1};
    if (values && st.error == generation_error::none) st.error = draw_values(p, w, d, j, g, st.bad_delay);
    f(g);
  };
  if (p.conn.type == connector::kind::distance_probability)
    sources_by_distance(p.conn, j, p.n_pre, p.n_post, p.self_of_target(j), s, emit);
  else
    sources_of_target(p.conn, j, p.n_pre, p.self_of_target(j), p.split ? p.split[j] : 0, s, emit);
  return st;
}

// Calls f(synapse_draw) for every synapse of view-local source i of a fixed_outdegree
// projection whose target lies in [first, last): its n targets are fixed_indegree's sampling
// with the roles swapped, from the source's stream. Values are drawn for every synapse, in or out
// of range, so they do not depend on the range.
template <class F>
NEUROMESH_INLINE_HOST_DEVICE generation_status synapses_of_source(const projection_params& p, index_t i, bool values,
                                                                  index_t first, index_t last, F&& f) {
  keyed_stream s(p.seed, rng_purpose::connectivity, i, p.id);
  value_sampler w(p.weight, p.seed, rng_purpose::weight, i, p.id);
  value_sampler d(p.delay, p.seed, rng_purpose::delay, i, p.id);
  connector_params mirrored = p.conn;
  mirrored.type = connector::kind::fixed_indegree;
  generation_status st;
  sources_of_target(mirrored, i, p.n_post, p.self_of_source(i), 0, s, [&](index_t t) {
    synapse_draw g{i, t, 0.0f, 1};
    const bool in_range = t >= first && t < last;
    if (values && st.error == generation_error::none) {
      double bad_delay = 0.0;
      const generation_error e = draw_values(p, w, d, 0, g, bad_delay);
      if (e != generation_error::delay_range || in_range) st = {e, bad_delay};  // delays convert in range only
    }
    if (in_range) f(g);
  });
  return st;
}

// Whether a source's row can be regenerated from streams that only depend on the source (the
// procedural mode): fixed_outdegree generates by source, one_to_one's target j has source j only.
NEUROMESH_INLINE_HOST_DEVICE bool regenerable_by_source(connector::kind k) {
  return k == connector::kind::fixed_outdegree || k == connector::kind::one_to_one;
}

// Calls f(synapse_draw) for the row of view-local source i (regenerable connectors only).
template <class F>
NEUROMESH_INLINE_HOST_DEVICE generation_status row_of_source(const projection_params& p, index_t i, bool values,
                                                             F&& f) {
  if (p.conn.type == connector::kind::fixed_outdegree) return synapses_of_source(p, i, values, 0, p.n_post, f);
  if (i >= p.n_post) return {};
  return synapses_of_target(p, i, values, f);  // one_to_one: target i's only source is i
}

}  // namespace neuromesh::kernels
