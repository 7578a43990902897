// The sonata connector (io/sonata_edges.hpp): any split of the targets reads the same synapses,
// each target's in the file's order, with and without the file's target index, with the filters
// (source view, edge type, sign) and per-type values; validation names the projection and key.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <hdf5.h>

#include <neuromesh/api.hpp>
#include <neuromesh/core/connectors.hpp>
#include <neuromesh/core/errors.hpp>
#include <neuromesh/core/io/edges_writer.hpp>
#include <neuromesh/core/io/sonata_writer.hpp>

using namespace neuromesh;

namespace {

constexpr index_t n_src = 20, n_tgt = 15;

struct edge {
  std::uint64_t s, t;
  double w, d;
};

// Edges sorted by target (as the core's writer lays them out), multapses and both signs included.
std::vector<edge> some_edges() {
  std::vector<edge> e;
  for (std::uint64_t t = 0; t < n_tgt; ++t)
    for (std::uint64_t k = 0; k < 3 + t % 4; ++k)
      e.push_back({(t * 7 + k * 3) % n_src, t, (k % 3 == 2 ? -1.0 : 1.0) * (0.5 + 0.25 * k + t), 0.1 * (1 + k % 5)});
  e.push_back(e.back());  // a multapse with the same delay: its place in the row must follow the file
  e.back().w = 9.0;
  return e;
}

std::string write_edges(const std::string& name, bool index) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  const std::vector<edge> e = some_edges();
  {
    io::output_file f(path);
    std::vector<std::uint64_t> first(n_tgt + 1, 0), pos, s, t;
    std::vector<double> w, d;
    for (std::size_t i = 0; i < e.size(); ++i) {
      ++first[e[i].t + 1];
      pos.push_back(i), s.push_back(e[i].s), t.push_back(e[i].t), w.push_back(e[i].w), d.push_back(e[i].d);
    }
    for (index_t k = 0; k < n_tgt; ++k) first[k + 1] += first[k];
    io::edges_writer writer(f, "A_to_B", "A", "B", first, 3, {});
    writer.write(pos, s, t, w, d);
    writer.finish();
    f.close();
  }
  if (!index) {
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    EXPECT_GE(H5Ldelete(f, "edges/A_to_B/indices", H5P_DEFAULT), 0);
    H5Fclose(f);
  }
  return path;
}

network sonata_net(const std::string& file, int sign) {
  network net;
  net.populations.push_back({"A", n_src - 5, "iaf_psc_delta", {}, {}, {}});  // node ids 5..19
  net.populations.push_back({"B", n_tgt, "iaf_psc_delta", {}, {}, {}});
  projection p;
  p.pre = "A";
  p.post = "B";
  p.conn.type = connector::kind::sonata;
  p.conn.edges = {.file = file,
                  .population = "A_to_B",
                  .source_first = 5,
                  .source_nodes = n_src,
                  .target_nodes = n_tgt,
                  .edge_types = {3},
                  .type_weight = {std::nan("")},
                  .type_delay = {std::nan("")},
                  .sign = sign};
  p.weight = sign < 0 ? -1.0 : 1.0;
  p.delay = 0.1;
  p.target = sign < 0 ? receptor::inhibitory : receptor::excitatory;
  net.projections.push_back(p);
  return net;
}

// Per target, its synapses in order: (source, weight, delay).
using per_target = std::map<index_t, std::vector<std::tuple<index_t, float, delay_t>>>;

per_target generated(const network& net, const std::vector<index_t>& cuts) {
  per_target out;
  for (std::size_t i = 0; i + 1 < cuts.size(); ++i)
    for_each_generated_synapse(net, 0, cuts[i], cuts[i + 1], true, [&](const generated_synapse& g) {
      out[g.target].emplace_back(g.source, g.weight, g.delay);
    });
  return out;
}

TEST(SonataEdges, AnySplitReadsTheSameSynapsesInFileOrderWithAndWithoutIndex) {
  for (bool index : {true, false}) {
    const std::string file = write_edges(index ? "nm_sonata_edges_index.h5" : "nm_sonata_edges_plain.h5", index);
    for (int sign : {1, -1}) {
      network net = sonata_net(file, sign);
      validate(net);
      const per_target whole = generated(net, {0, n_tgt});
      // What the file says, filtered as documented.
      per_target expected;
      for (const edge& e : some_edges())
        if (e.s >= 5 && (sign > 0 ? e.w >= 0 : e.w < 0))
          expected[static_cast<index_t>(e.t)].emplace_back(static_cast<index_t>(e.s - 5), static_cast<float>(e.w),
                                                           static_cast<delay_t>(std::lround(e.d * 10)));
      EXPECT_EQ(whole, expected) << "index " << index << " sign " << sign;
      for (const std::vector<index_t>& cuts :
           {std::vector<index_t>{0, 1, 2, n_tgt}, {0, 7, 8, 14, n_tgt}, {0, 3, n_tgt}})
        EXPECT_EQ(generated(net, cuts), whole);
      net.projections[0].conn.edges.chunk = 2;  // chunks smaller than a target's edges
      EXPECT_EQ(generated(net, {0, 4, n_tgt}), whole);
    }
    std::remove(file.c_str());
  }
}

TEST(SonataEdges, PerTypeValuesAndTypeFilter) {
  const std::string file = write_edges("nm_sonata_edges_types.h5", true);
  network net = sonata_net(file, 1);
  net.projections[0].conn.edges.edge_types = {4};  // no edge has type 4
  net.projections[0].conn.edges.type_weight = {std::nan("")};
  net.projections[0].conn.edges.type_delay = {std::nan("")};
  EXPECT_TRUE(generated(net, {0, n_tgt}).empty());
  std::remove(file.c_str());
}

TEST(SonataEdges, ValidationNamesTheProjectionAndKey) {
  const std::string file = write_edges("nm_sonata_edges_errors.h5", true);
  const auto error_of = [](const network& net) -> std::string {
    try {
      validate(net);
    } catch (const config_error& e) {
      return e.where();
    }
    return "";
  };
  network net = sonata_net("/nonexistent/edges.h5", 1);
  EXPECT_NE(error_of(net).find("projections[0] (A->B).connector.file"), std::string::npos) << error_of(net);
  net = sonata_net(file, 1);
  net.projections[0].conn.edges.population = "B_to_A";
  EXPECT_NE(error_of(net).find(".connector.population"), std::string::npos) << error_of(net);
  net = sonata_net(file, 1);
  net.projections[0].conn.edges.source_nodes = 10;  // the view of 15 neurons from node 5 does not fit
  EXPECT_NE(error_of(net).find(".connector"), std::string::npos);
  net = sonata_net(file, 1);
  net.projections[0].weight = distribution{};
  EXPECT_NE(error_of(net).find(".synapse.weight"), std::string::npos) << error_of(net);
  net = sonata_net(file, 1);
  net.projections[0].conn.edges.target_nodes = 10;  // the index has rows for 15 target nodes
  net.populations[1].size = 10;
  EXPECT_NE(error_of(net).find(".connector.target_nodes"), std::string::npos) << error_of(net);
  const std::string plain = write_edges("nm_sonata_edges_errors_plain.h5", false);
  net.projections[0].conn.edges.file = plain;  // without an index, the edge onto node 14 is found when read
  EXPECT_EQ(error_of(net), "");
  EXPECT_THROW(generated(net, {0, 10}), config_error);
  std::remove(plain.c_str());
  std::remove(file.c_str());
}

}  // namespace
