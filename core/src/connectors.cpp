#include <algorithm>
#include <cmath>

#include <neuromesh/core/connector_kernels.hpp>
#include <neuromesh/core/connectors.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/sonata_edges.hpp>
#include <neuromesh/core/math.hpp>
#include <neuromesh/core/random/distributions.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>

namespace neuromesh {
namespace {

constexpr std::uint32_t whole_projection = 0xFFFFFFFFu;  // entity id of per-projection streams

// The plain-data form of a value_spec (arrays point into the network).
kernels::value_source value_source_of(const value_spec& v) {
  kernels::value_source out;
  if (const double* x = std::get_if<double>(&v)) {
    out.constant = *x;
  } else if (const auto* a = std::get_if<std::vector<double>>(&v)) {
    out.type = kernels::value_source::kind::array;
    out.array = a->data();
  } else {
    out.type = kernels::value_source::kind::draw;
    out.dist = std::get<distribution>(v);
  }
  return out;
}

// Throws what the cpu backend always threw for a synapse that cannot be generated.
void throw_generation_error(const kernels::generation_status& st, std::uint32_t proj_id, const time_grid& grid) {
  if (st.error == kernels::generation_error::delay_range)
    grid.delay_steps(st.bad_delay, "projections[" + std::to_string(proj_id) + "].delay");
  throw config_error("distribution", "could not draw a value inside [low, high] in " +
                                         std::to_string(kernels::max_draw_attempts) + " attempts; widen the bounds");
}

// A delay outside the fast conversion goes to the grid's own, which names the problem and throws.
void check(const kernels::generation_status& st, std::uint32_t proj_id, const time_grid& grid) {
  if (st.error != kernels::generation_error::none) throw_generation_error(st, proj_id, grid);
}

void generate_explicit(const kernels::projection_params& p, const projection& proj, index_t post_begin,
                       index_t post_end, const time_grid& grid, std::vector<generated_synapse>& out) {
  const connector& c = proj.conn;
  kernels::value_sampler w(p.weight, p.seed, rng_purpose::weight, whole_projection, p.id);
  kernels::value_sampler d(p.delay, p.seed, rng_purpose::delay, whole_projection, p.id);
  for (std::size_t k = 0; k < c.sources.size(); ++k) {
    kernels::synapse_draw g{c.sources[k], c.targets[k], 0.0f, 1};
    const bool in_range = g.target >= post_begin && g.target < post_end;
    kernels::generation_status st;
    st.error = kernels::draw_values(p, w, d, k, g, st.bad_delay);
    if (st.error != kernels::generation_error::delay_range || in_range) check(st, p.id, grid);
    if (in_range) out.push_back({g.source, g.target, g.weight, g.delay});
  }
}

// Synapses of a sonata connector onto view-local targets [first, last), read from its file: the
// projection's (scalar, sign-resolved) weight times |syn_weight|, the file's delay on the grid.
void generate_sonata(const kernels::projection_params& p, const projection& proj, index_t first, index_t last,
                     const time_grid& grid, bool values, const std::function<void(const generated_synapse&)>& fn) {
  const std::string where = "projections[" + std::to_string(p.id) + "].connector";
  io::for_each_sonata_edge(proj.conn.edges, p.n_pre, p.n_post, first, last, values, where,
                           [&](const io::sonata_edge& e) {
                             generated_synapse g{e.source, e.target, 0.0f, 1};
                             if (values) {
                               g.weight = static_cast<float>(p.weight.constant * std::fabs(e.weight));
                               if (!delay_in_steps(e.delay, p.steps_per_ms, g.delay))
                                 grid.delay_steps(e.delay, where + " (" + proj.conn.edges.file + ")");
                             }
                             fn(g);
                           });
}

// Synapses of a conv2d connector onto view-local targets [first, last): each target's kernel taps
// (core/conv2d.hpp), zero entries skipped; weight = projection weight x entry, the scalar delay.
void generate_conv2d(const kernels::projection_params& p, const projection& proj, index_t first, index_t last,
                     const time_grid& grid, bool values, std::vector<generated_synapse>& out) {
  const conv2d_geometry& g = proj.conn.conv;
  delay_t delay = 1;
  if (values && !delay_in_steps(p.delay.constant, p.steps_per_ms, delay))
    grid.delay_steps(p.delay.constant, "projections[" + std::to_string(p.id) + "].delay");
  for (index_t j = first; j < last; ++j)
    g.taps_of_target(j, [&](std::uint32_t source, std::size_t k) {
      if (g.kernel[k] == 0.0) return;
      out.push_back({source, j, values ? conv2d_weight(p.weight.constant, g.kernel[k]) : 0.0f, delay});
    });
}

// Synapses onto view-local targets [first, last).
void generate_local(const kernels::projection_params& p, const projection& proj, index_t first, index_t last,
                    const time_grid& grid, bool values, std::vector<generated_synapse>& out) {
  const auto push = [&out](const kernels::synapse_draw& g) { out.push_back({g.source, g.target, g.weight, g.delay}); };
  switch (proj.conn.type) {
    case connector::kind::explicit_list:
      return generate_explicit(p, proj, first, last, grid, out);
    case connector::kind::sonata:
      return generate_sonata(p, proj, first, last, grid, values,
                             [&out](const generated_synapse& g) { out.push_back(g); });
    case connector::kind::conv2d:
      return generate_conv2d(p, proj, first, last, grid, values, out);
    case connector::kind::fixed_outdegree:
      for (index_t i = 0; i < p.n_pre; ++i)
        check(kernels::synapses_of_source(p, i, values, first, last, push), p.id, grid);
      return;
    default:
      for (index_t j = first; j < last; ++j) check(kernels::synapses_of_target(p, j, values, push), p.id, grid);
  }
}

}  // namespace

kernels::projection_params projection_parameters(const network& net, std::size_t proj_id,
                                                 const std::vector<std::uint64_t>* total_split) {
  const projection& proj = net.projections[proj_id];
  const std::string where = "projections[" + std::to_string(proj_id) + "]";
  const auto& pre = net.populations[net.population_index(proj.pre, where + ".pre")];
  const auto& post = net.populations[net.population_index(proj.post, where + ".post")];
  const auto [pb, pe] = view_of(proj.pre_view, pre.size);
  const auto [qb, qe] = view_of(proj.post_view, post.size);
  kernels::projection_params p;
  p.conn = {proj.conn.type, proj.conn.p, proj.conn.sigma, proj.conn.n, proj.conn.multapses};
  p.weight = value_source_of(proj.weight);
  p.delay = value_source_of(proj.delay);
  p.seed = net.seed;
  p.id = static_cast<std::uint32_t>(proj_id);
  p.pre_begin = pb;
  p.n_pre = pe - pb;
  p.post_begin = qb;
  p.n_post = qe - qb;
  p.exclude_self = proj.pre == proj.post && !proj.conn.autapses;
  p.steps_per_ms = time_grid(net.dt).steps_per_ms();
  p.split = total_split && !total_split->empty() ? total_split->data() : nullptr;
  return p;
}

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
    case connector::kind::sonata:
      return static_cast<double>(c.n) / n_post;
    case connector::kind::conv2d: {  // the non-zero taps per output channel (padding ignored: an upper bound)
      const double nonzero = static_cast<double>(
          std::count_if(c.conv.kernel.begin(), c.conv.kernel.end(), [](double k) { return k != 0.0; }));
      return c.conv.kernel_shape[0] ? nonzero / c.conv.kernel_shape[0] : 0.0;
    }
  }
  return n_pre;
}

index_t generation_block(const network& net, std::size_t proj_id) {
  const double per_target = std::max(1.0, expected_synapses_per_target(net, proj_id));
  return static_cast<index_t>(std::clamp(1048576.0 / per_target, 64.0, 4096.0));
}

bool generates_whole(const connector& c) {
  return c.type == connector::kind::fixed_outdegree || c.type == connector::kind::explicit_list ||
         c.type == connector::kind::sonata;
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
  std::vector<std::uint64_t> own;
  if (!total_split) {
    own = projection_total_split(net, proj_id);
    total_split = &own;
  }
  const kernels::projection_params p = projection_parameters(net, proj_id, total_split);
  // The requested targets, as view-local indices.
  const index_t qb = p.post_begin, qe = p.post_begin + p.n_post;
  const index_t first = std::max(post_begin, qb) - qb, last = std::max(std::min(post_end, qe), qb) - qb;
  const std::size_t start = out.size();
  if (first < last) generate_local(p, net.projections[proj_id], first, last, grid, values, out);
  for (std::size_t k = start; k < out.size(); ++k) {
    out[k].source += p.pre_begin;
    out[k].target += qb;
  }
}

void for_each_streamed_synapse(const network& net, std::size_t proj_id, index_t post_begin, index_t post_end,
                               bool values, const std::function<void(const generated_synapse&)>& fn) {
  const kernels::projection_params p = projection_parameters(net, proj_id, nullptr);
  const index_t qb = p.post_begin, qe = p.post_begin + p.n_post;
  const index_t first = std::max(post_begin, qb) - qb, last = std::max(std::min(post_end, qe), qb) - qb;
  if (first >= last) return;
  generate_sonata(p, net.projections[proj_id], first, last, time_grid(net.dt), values, [&](generated_synapse g) {
    g.source += p.pre_begin;
    g.target += qb;
    fn(g);
  });
}

}  // namespace neuromesh
