#include <algorithm>
#include <cmath>

#include <neuromesh/core/connectors.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/math.hpp>
#include <neuromesh/core/random/distributions.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>

namespace neuromesh {
namespace {

constexpr std::uint32_t whole_projection = 0xFFFFFFFFu;  // entity id of per-projection streams

index_t uniform_index(keyed_stream& s, std::uint64_t n) {
  return static_cast<index_t>(
      std::min<std::uint64_t>(static_cast<std::uint64_t>(s.uniform() * static_cast<double>(n)), n - 1));
}

// Draws weights (or delays) of consecutive synapses of one generating entity.
class value_sampler {
 public:
  value_sampler(const value_spec& v, std::uint64_t seed, rng_purpose purpose, std::uint32_t entity, std::uint32_t proj)
      : spec_(v), stream_(seed, purpose, entity, proj) {}
  // k: index of the synapse in the projection's explicit order (arrays only).
  double next(std::size_t k) {
    if (const double* x = std::get_if<double>(&spec_)) return *x;
    if (const auto* a = std::get_if<std::vector<double>>(&spec_)) return (*a)[k];
    return draw(std::get<distribution>(spec_), stream_);
  }

 private:
  const value_spec& spec_;
  keyed_stream stream_;
};

constexpr std::int64_t no_self = -1;

// Sources of target j for the per-target connectors; `self` is the source index that is the
// target neuron itself when autapses are excluded (no_self otherwise). Indices are view-local.
void sources_of_target(const connector& c, index_t j, index_t n_pre, std::int64_t self, std::uint64_t count,
                       keyed_stream& s, std::vector<index_t>& out) {
  out.clear();
  const bool skip_self = self != no_self;
  switch (c.type) {
    case connector::kind::all_to_all:
      for (index_t i = 0; i < n_pre; ++i)
        if (!(skip_self && i == self)) out.push_back(i);
      break;
    case connector::kind::one_to_one:
      out.push_back(j);
      break;
    case connector::kind::fixed_probability: {
      if (c.p <= 0.0) break;
      // Skip ahead by geometric gaps: cost proportional to the synapses made, not to n_pre.
      for (std::uint64_t i = random::geometric_failures(s, c.p); i < n_pre; i += 1 + random::geometric_failures(s, c.p))
        if (!(skip_self && static_cast<std::int64_t>(i) == self)) out.push_back(static_cast<index_t>(i));
      break;
    }
    case connector::kind::fixed_indegree:
    case connector::kind::fixed_total_number: {
      const std::uint64_t k = c.type == connector::kind::fixed_indegree ? c.n : count;
      const std::uint64_t pool = n_pre - (skip_self ? 1 : 0);
      if (c.multapses) {
        while (out.size() < k) {
          index_t i = uniform_index(s, pool);
          if (skip_self && i >= self) ++i;  // map the pool [0, n_pre-1) around the target itself
          out.push_back(i);
        }
      } else {
        // Selection sampling (Knuth's Algorithm S): k distinct sources in increasing order.
        std::uint64_t needed = k;
        for (std::uint64_t i = 0, left = pool; i < n_pre && needed > 0; ++i) {
          if (skip_self && static_cast<std::int64_t>(i) == self) continue;
          if (s.uniform() * static_cast<double>(left) < static_cast<double>(needed)) {
            out.push_back(static_cast<index_t>(i));
            --needed;
          }
          --left;
        }
      }
      break;  // order is the draw order; the store sorts each row anyway
    }
    default:
      throw internal_error("sources_of_target: connector is not per-target");
  }
}

// Sources of target j for distance_probability: every source within the kernel's 4-sigma window
// (on the periodic unit square) gets one uniform draw, in a fixed order, and connects with
// p exp(-d^2 / (2 sigma^2)). The exponential is the in-project one (same on every backend).
void sources_by_distance(const connector& c, index_t j, index_t n_pre, index_t n_post, std::int64_t self,
                         keyed_stream& s, std::vector<index_t>& out) {
  out.clear();
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
    d = std::abs(d);
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
      if (s.uniform() < c.p * math::exp(-(dx * dx + dy * dy) * inv_two_sigma2)) out.push_back(static_cast<index_t>(i));
    }
  }
}

// A projection's pre and post views: population indices [begin, begin + n). Generation works
// in view-local indices and shifts them at the end.
struct projection_context {
  const network& net;
  const projection& proj;
  std::uint32_t id;
  index_t pre_begin, n_pre, post_begin, n_post;
  bool exclude_self;  // same population and no autapses
  const time_grid& grid;
  bool values;  // draw weights and delays (false: counting pass)

  // The view-local source that is target j itself, or no_self.
  std::int64_t self_of_target(index_t j) const {
    const std::int64_t i = static_cast<std::int64_t>(j) + post_begin - pre_begin;
    return exclude_self && i >= 0 && i < n_pre ? i : no_self;
  }
  std::int64_t self_of_source(index_t i) const {
    const std::int64_t j = static_cast<std::int64_t>(i) + pre_begin - post_begin;
    return exclude_self && j >= 0 && j < n_post ? j : no_self;
  }
};

// A delay in steps; the key path for the error message is only built when there is an error
// (building it per synapse used to cost more than generating the synapse).
delay_t delay_steps(const projection_context& ctx, double delay_ms) {
  const double steps = delay_ms / ctx.grid.h();
  if (steps >= 0.5 && steps < 65535.0) return static_cast<delay_t>(std::llround(steps));
  return ctx.grid.delay_steps(delay_ms, "projections[" + std::to_string(ctx.id) + "].delay");  // throws
}

void emit(const projection_context& ctx, index_t src, index_t tgt, value_sampler& w, value_sampler& d, std::size_t k,
          std::vector<generated_synapse>& out) {
  if (!ctx.values) return out.push_back({src, tgt, 0.0f, 1});
  const double weight = w.next(k);
  const double delay = d.next(k);
  out.push_back({src, tgt, static_cast<float>(weight), delay_steps(ctx, delay)});
}

void generate_per_source(const projection_context& ctx, index_t post_begin, index_t post_end,
                         std::vector<generated_synapse>& out) {
  const connector& c = ctx.proj.conn;
  std::vector<index_t> targets;
  for (index_t i = 0; i < ctx.n_pre; ++i) {
    keyed_stream s(ctx.net.seed, rng_purpose::connectivity, i, ctx.id);
    connector mirrored = c;
    mirrored.type = connector::kind::fixed_indegree;  // same sampling, roles swapped
    sources_of_target(mirrored, i, ctx.n_post, ctx.self_of_source(i), 0, s, targets);
    value_sampler w(ctx.proj.weight, ctx.net.seed, rng_purpose::weight, i, ctx.id);
    value_sampler d(ctx.proj.delay, ctx.net.seed, rng_purpose::delay, i, ctx.id);
    for (index_t t : targets) {
      if (!ctx.values) {
        if (t >= post_begin && t < post_end) out.push_back({i, t, 0.0f, 1});
        continue;
      }
      const double weight = w.next(0), delay = d.next(0);  // drawn for every synapse: order-stable
      if (t >= post_begin && t < post_end) out.push_back({i, t, static_cast<float>(weight), delay_steps(ctx, delay)});
    }
  }
}

void generate_explicit(const projection_context& ctx, index_t post_begin, index_t post_end,
                       std::vector<generated_synapse>& out) {
  const connector& c = ctx.proj.conn;
  value_sampler w(ctx.proj.weight, ctx.net.seed, rng_purpose::weight, whole_projection, ctx.id);
  value_sampler d(ctx.proj.delay, ctx.net.seed, rng_purpose::delay, whole_projection, ctx.id);
  for (std::size_t k = 0; k < c.sources.size(); ++k) {
    const double weight = w.next(k), delay = d.next(k);
    if (c.targets[k] >= post_begin && c.targets[k] < post_end)
      out.push_back({c.sources[k], c.targets[k], static_cast<float>(weight), delay_steps(ctx, delay)});
  }
}

}  // namespace

namespace {

// Synapses onto view-local targets [first, last).
void generate_local(const projection_context& ctx, index_t first, index_t last, std::vector<generated_synapse>& out,
                    const std::vector<std::uint64_t>* total_split) {
  const connector& c = ctx.proj.conn;
  if (c.type == connector::kind::fixed_outdegree) return generate_per_source(ctx, first, last, out);
  if (c.type == connector::kind::explicit_list) return generate_explicit(ctx, first, last, out);
  std::vector<std::uint64_t> own;
  if (c.type == connector::kind::fixed_total_number && !total_split)
    own = split_total_number(c.n, ctx.n_post, ctx.net.seed, ctx.id);
  const std::vector<std::uint64_t>& counts = total_split ? *total_split : own;
  std::vector<index_t> sources;
  for (index_t j = first; j < last; ++j) {
    keyed_stream s(ctx.net.seed, rng_purpose::connectivity, j, ctx.id);
    if (c.type == connector::kind::distance_probability)
      sources_by_distance(c, j, ctx.n_pre, ctx.n_post, ctx.self_of_target(j), s, sources);
    else
      sources_of_target(c, j, ctx.n_pre, ctx.self_of_target(j), counts.empty() ? 0 : counts[j], s, sources);
    value_sampler w(ctx.proj.weight, ctx.net.seed, rng_purpose::weight, j, ctx.id);
    value_sampler d(ctx.proj.delay, ctx.net.seed, rng_purpose::delay, j, ctx.id);
    for (index_t i : sources) emit(ctx, i, j, w, d, j, out);
  }
}

}  // namespace

std::vector<std::uint64_t> split_total_number(std::uint64_t n, index_t n_post, std::uint64_t seed,
                                              std::uint32_t proj_id) {
  std::vector<std::uint64_t> counts(n_post, 0);
  keyed_stream s(seed, rng_purpose::connectivity, whole_projection, proj_id);
  std::uint64_t left = n;
  for (index_t j = 0; j < n_post && left > 0; ++j) {
    const index_t remaining_targets = n_post - j;
    counts[j] = remaining_targets == 1 ? left : random::binomial(s, left, 1.0 / remaining_targets);
    left -= counts[j];
  }
  return counts;
}

double expected_synapses_per_target(const network& net, std::size_t proj_id) {
  const projection& proj = net.projections[proj_id];
  const auto& pre = net.populations[net.population_index(proj.pre, "projections")];
  const auto& post = net.populations[net.population_index(proj.post, "projections")];
  const auto [pb, pe] = view_of(proj.pre_view, pre.size);
  const auto [qb, qe] = view_of(proj.post_view, post.size);
  const double n_pre = pe - pb, n_post = std::max<double>(1.0, qe - qb);
  const connector& c = proj.conn;
  switch (c.type) {
    case connector::kind::all_to_all:
      return n_pre;
    case connector::kind::one_to_one:
      return 1.0;
    case connector::kind::fixed_probability:
      return c.p * n_pre;
    case connector::kind::fixed_indegree:
      return static_cast<double>(c.n);
    case connector::kind::fixed_outdegree:
      return static_cast<double>(c.n) * n_pre / n_post;
    case connector::kind::fixed_total_number:
      return static_cast<double>(c.n) / n_post;
    case connector::kind::explicit_list:
      return static_cast<double>(c.sources.size()) / n_post;
    case connector::kind::distance_probability:
      return std::min(n_pre, c.p * 2.0 * math::pi * c.sigma * c.sigma * n_pre);
  }
  return n_pre;
}

index_t generation_block(const network& net, std::size_t proj_id) {
  const double per_target = std::max(1.0, expected_synapses_per_target(net, proj_id));
  return static_cast<index_t>(std::clamp(1048576.0 / per_target, 64.0, 4096.0));
}

bool generates_whole(const connector& c) {
  return c.type == connector::kind::fixed_outdegree || c.type == connector::kind::explicit_list;
}

std::vector<std::uint64_t> projection_total_split(const network& net, std::size_t proj_id) {
  const projection& proj = net.projections[proj_id];
  if (proj.conn.type != connector::kind::fixed_total_number) return {};
  const auto& post = net.populations[net.population_index(proj.post, "projections")];
  const auto [qb, qe] = view_of(proj.post_view, post.size);
  return split_total_number(proj.conn.n, qe - qb, net.seed, static_cast<std::uint32_t>(proj_id));
}

void generate_projection(const network& net, std::size_t proj_id, index_t post_begin, index_t post_end,
                         const time_grid& grid, std::vector<generated_synapse>& out, bool values,
                         const std::vector<std::uint64_t>* total_split) {
  const projection& proj = net.projections[proj_id];
  const std::string where = "projections[" + std::to_string(proj_id) + "]";
  const auto& pre = net.populations[net.population_index(proj.pre, where + ".pre")];
  const auto& post = net.populations[net.population_index(proj.post, where + ".post")];
  const auto [pb, pe] = view_of(proj.pre_view, pre.size);
  const auto [qb, qe] = view_of(proj.post_view, post.size);
  const projection_context ctx{net, proj,    static_cast<std::uint32_t>(proj_id),          pb,   pe - pb,
                               qb,  qe - qb, proj.pre == proj.post && !proj.conn.autapses, grid, values};
  // The requested targets, as view-local indices.
  const index_t first = std::max(post_begin, qb) - qb, last = std::max(std::min(post_end, qe), qb) - qb;
  const std::size_t start = out.size();
  if (first < last) generate_local(ctx, first, last, out, total_split);
  for (std::size_t k = start; k < out.size(); ++k) {
    out[k].source += pb;
    out[k].target += qb;
  }
}

}  // namespace neuromesh
