// The CLI end to end: reference networks run and report sensible rates; bad input exits non-zero
// with a message; output files are readable.
#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <regex>

#include <gtest/gtest.h>

#include "test_networks.hpp"

#include <neuromesh/core/io/sonata_reader.hpp>

namespace {

struct result {
  int code;
  std::string out;
};

result run_cli(const std::string& args) {
  const std::string cmd = std::string(NEUROMESH_CLI) + " " + args + " 2>&1";
  std::array<char, 4096> buf{};
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  while (p && fgets(buf.data(), buf.size(), p)) out += buf.data();
  const int status = p ? pclose(p) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

double rate_of(const std::string& out, const std::string& pop) {
  std::smatch m;
  if (!std::regex_search(out, m, std::regex("\n" + pop + "\\s+\\d+\\s+([0-9.]+)"))) return -1;
  return std::stod(m[1]);
}

std::string temp(const std::string& name) { return neuromesh::test_support::unique_temp_dir() + name; }

}  // namespace

TEST(Cli, BrunelIsAsynchronousIrregularWithRatesInRange) {
  const auto r = run_cli("run brunel --duration 300 --threads 2");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* pop : {"E", "I"}) {
    const double rate = rate_of(r.out, pop);
    EXPECT_GT(rate, 10.0) << r.out;
    EXPECT_LT(rate, 60.0) << r.out;
  }
}

TEST(Cli, VogelsAbbottRatesMatchPublishedRegime) {
  // Brian2's reference implementation gives ~19 Hz (COBA) and ~5.6 Hz (CUBA) for these parameters.
  const auto coba = run_cli("run vogels_abbott_coba --duration 1000");
  ASSERT_EQ(coba.code, 0) << coba.out;
  EXPECT_NEAR(rate_of(coba.out, "E"), 19.0, 6.0) << coba.out;
  const auto cuba = run_cli("run vogels_abbott_cuba --duration 1000");
  ASSERT_EQ(cuba.code, 0) << cuba.out;
  EXPECT_NEAR(rate_of(cuba.out, "E"), 5.6, 2.5) << cuba.out;
}

TEST(Cli, WritesReadableOutputAndInfoSummarisesIt) {
  const std::string out = temp("cli_out.h5");
  const auto r = run_cli("run vogels_abbott_cuba --duration 200 --seed 7 -o " + out);
  ASSERT_EQ(r.code, 0) << r.out;
  const auto spikes = neuromesh::io::read_spikes(out);
  ASSERT_EQ(spikes.count("E"), 1u);
  EXPECT_GT(spikes.at("E").node_ids.size(), 100u);
  const auto info = run_cli("info " + out);
  EXPECT_EQ(info.code, 0);
  EXPECT_NE(info.out.find("vogels_abbott_cuba"), std::string::npos) << info.out;
}

// `neuromesh list` names every synapse model with its parameters (docs/plasticity.md), from the registry.
TEST(Cli, ListNamesTheSynapseModelsAndTheirParameters) {
  const auto r = run_cli("list");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* name :
       {"stdp (stdp_synapse)", "stdp_nn_symm (stdp_nn_symm_synapse)", "stdp_nn_restr (stdp_nn_restr_synapse)",
        "stdp_triplet (stdp_triplet_synapse)", "tsodyks (tsodyks_synapse)", "tsodyks2 (tsodyks2_synapse)",
        "tau_minus_triplet=110[ms]", "tau_psc=3[ms]"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name << " missing from:\n" << r.out;
}

TEST(Cli, BadInputExitsNonZeroWithMessage) {
  const std::string bad = temp("bad.json");
  std::ofstream(bad)
      << R"({"populations": [{"label": "E", "size": 10, "model": "iaf_psc_exp", "params": {"tau_m": -1}}]})";
  auto r = run_cli("run " + bad);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("tau_m"), std::string::npos) << r.out;
  std::ofstream(bad) << "{not json";
  r = run_cli("run " + bad);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("malformed JSON"), std::string::npos) << r.out;
  r = run_cli("run brunel --threads many");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("--threads"), std::string::npos) << r.out;
  r = run_cli("frobnicate");
  EXPECT_EQ(r.code, 2);
  r = run_cli("info /nonexistent.h5");
  EXPECT_EQ(r.code, 1);
}

TEST(Cli, InterruptedRunLeavesReadableFile) {
  const std::string out = temp("interrupted.h5");
  // SIGINT a moment after the run has started (the file exists once the network is built; a
  // signal during construction ends the build instead, see SignalsInterruptConstruction): the run
  // stops at the next epoch and closes its file.
  const std::string cmd = std::string(NEUROMESH_CLI) + " run brunel --duration 100000 -o " + out +
                          " > /dev/null 2>&1 & pid=$!; i=0; while [ ! -s " + out +
                          " ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done; sleep 1; kill -INT $pid; wait $pid";
  const int status = std::system(cmd.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 130);
  const auto spikes = neuromesh::io::read_spikes(out);
  EXPECT_EQ(spikes.count("E"), 1u);
}

// Issue 17 item 6: an absurd thread count is a config error naming the limit and the core count,
// not an abort while starting the workers.
TEST(Cli, TooManyThreadsIsAClearError) {
  const auto r = run_cli("run brunel --duration 1 --threads 100000");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("100000 threads is more than the limit of"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("cores of this machine"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("terminate called"), std::string::npos) << r.out;
}

#include <chrono>

// Issue 17 item 3: a network that cannot fit is refused before building, at once, with the
// estimate and advice in the message (10^12 synapses: 3.6 TiB).
TEST(Cli, ImpossibleNetworkIsRefusedBeforeBuilding) {
  const std::string net = temp("huge.json");
  std::ofstream(net) << R"({"populations": [{"label": "E", "size": 1000000, "model": "iaf_psc_exp"}],
    "projections": [{"pre": "E", "post": "E", "connector": {"type": "all_to_all"},
                     "synapse": {"weight": 1.0, "delay": 1.0}}]})";
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_cli("run " + net + " --duration 1 --quiet");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_LT(seconds, 1.0);
  EXPECT_NE(r.out.find("1e+12 synapses"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TiB per process"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("refused before building"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("more MPI ranks"), std::string::npos) << r.out;
}

// Issue 17 item 3: SIGINT and SIGTERM end a long build (2*10^8 synapses, about a minute on two
// shared cores) within about a second, exit code 130.
TEST(Cli, SignalsInterruptConstruction) {
  const std::string net = temp("slow.json");
  std::ofstream(net) << R"({"populations": [{"label": "E", "size": 100000, "model": "iaf_psc_exp"}],
    "projections": [{"pre": "E", "post": "E", "connector": {"type": "fixed_indegree", "n": 2000},
                     "synapse": {"weight": 1.0, "delay": 1.0}}]})";
  for (const char* signal : {"INT", "TERM"}) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = run_cli("run " + net + " --duration 1 --threads 2 --quiet 2>&1 & pid=$!; sleep 1; kill -" +
                           std::string(signal) + " $pid; wait $pid; echo exit=$?");
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(seconds, 4.0) << signal;
    EXPECT_NE(r.out.find("interrupted while building"), std::string::npos) << signal << ": " << r.out;
    EXPECT_NE(r.out.find("exit=130"), std::string::npos) << signal << ": " << r.out;
  }
}
