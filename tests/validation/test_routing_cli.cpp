// The hardware model from the command line: 'neuromesh map' and 'run --hardware' print their
// summaries, write JSON and /energy, and bad options exit 1 naming the option.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include <hdf5.h>
#include <nlohmann/json.hpp>
#include "test_networks.hpp"

namespace {

// Exit code and combined output of the CLI with `args` (output captured through a file).
std::pair<int, std::string> cli(const std::string& args) {
  const std::string log = neuromesh::test_support::unique_temp_dir() + "/routing_cli.log";
  const int status = std::system((std::string(NEUROMESH_CLI) + " " + args + " > " + log + " 2>&1").c_str());
  std::stringstream text;
  text << std::ifstream(log).rdbuf();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.str()};
}

}  // namespace

TEST(RoutingCli, MapPrintsTheMappingAndWritesJson) {
  const std::string json = neuromesh::test_support::unique_temp_dir() + "/map.json";
  const auto [code, out] = cli("map brunel --hardware spinnaker --placement energy-aware --profile 0 --json " + json);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("mapping on 'spinnaker'"), std::string::npos) << out;
  EXPECT_NE(out.find("routing tables"), std::string::npos) << out;
  EXPECT_NE(out.find("UNVERIFIED"), std::string::npos) << out;
  const auto j = nlohmann::json::parse(std::ifstream(json));
  EXPECT_EQ(j["neurons"].get<int>(), 12500);
  EXPECT_LE(j["routing_tables"]["max_entries_after"].get<int>(), 1024);
  EXPECT_EQ(j["placement_objective"], "energy");
}

TEST(RoutingCli, MapWithTheTrafficObjectiveRecordsIt) {
  const std::string json = neuromesh::test_support::unique_temp_dir() + "/map_traffic.json";
  const auto [code, out] =
      cli("map vogels_abbott_cuba --hardware loihi --placement energy-aware --objective traffic "
          "--profile 0 --json " +
          json);
  ASSERT_EQ(code, 0) << out;
  const auto j = nlohmann::json::parse(std::ifstream(json));
  EXPECT_EQ(j["placement_objective"], "traffic");
  EXPECT_LE(j["network_power_w"].get<double>(), j["estimated_power_w"].get<double>());
}

TEST(RoutingCli, RunWithHardwarePrintsTheEnergyTableAndAddsEnergyToTheFile) {
  const std::string out_h5 = neuromesh::test_support::unique_temp_dir() + "/hw_run.h5";
  const auto [code, out] =
      cli("run vogels_abbott_cuba --duration 100 --threads 1 --hardware loihi-measured -o " + out_h5);
  ASSERT_EQ(code, 0) << out;
  EXPECT_NE(out.find("energy on 'loihi-measured'"), std::string::npos) << out;
  EXPECT_NE(out.find("synaptic"), std::string::npos);
  const hid_t f = H5Fopen(out_h5.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  EXPECT_GT(H5Lexists(f, "/energy/component_joules", H5P_DEFAULT), 0);
  H5Fclose(f);
  const auto j = nlohmann::json::parse(std::ifstream(out_h5 + ".energy.json"));
  EXPECT_GT(j["total_energy_j"].get<double>(), 0.0);
  EXPECT_EQ(j["hardware"], "loihi-measured");
}

TEST(RoutingCli, BadOptionsExitOneNamingTheProblem) {
  auto expect = [](const std::string& args, const std::string& text) {
    const auto [code, out] = cli(args);
    EXPECT_EQ(code, 1) << args << "\n" << out;
    EXPECT_NE(out.find(text), std::string::npos) << args << "\n" << out;
  };
  expect("map brunel", "--hardware");
  expect("map brunel --hardware loihi-9000", "neither a preset");
  expect("map brunel --hardware loihi --placement clever", "placement");
  expect("map brunel --hardware loihi --chips 2by2", "--chips");
  expect("map brunel --hardware loihi --placement energy-aware --objective cheap", "objective");
  expect("map brunel --hardware loihi --objective traffic", "only applies to energy-aware");
  // Brunel's 1250 random inputs per neuron: ~3 neurons per Loihi core (4096 axons), 256 on TrueNorth
  expect("map brunel --hardware loihi", "needs 3975 cores but 'loihi' has 512");
  expect("map brunel --hardware truenorth", "neuron 0 of population 'E' alone exceeds");
}
