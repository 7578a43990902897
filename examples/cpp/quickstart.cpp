// README's C++ quick start, compiled against the installed package by scripts/test.sh.
#include <cstdio>

#include <neuromesh/api.hpp>
#include <neuromesh/core/io/sonata_reader.hpp>

int main() {
  neuromesh::network net = neuromesh::builtin_network("vogels_abbott_cuba");  // or build one
  net.recorders.push_back({.population = "E", .variable = "V_m", .interval = 1.0, .ids = {0, 1, 2}});
  auto sim = neuromesh::make_simulation(net, {.threads = 2, .output = "quickstart.h5"});
  sim->run(1000.0);  // ms
  std::size_t n = 0;
  for (const neuromesh::spike& s : sim->spikes()) n += s.step >= 0;  // s.gid, time (s.step + 1) * dt
  sim->finish();                                                     // provenance + close the SONATA file
  const auto reports = neuromesh::io::read_reports("quickstart.h5");
  std::printf("%zu spikes; V_m of 3 neurons recorded in %zu frames\n", n, reports.at("E").frames);
  return n > 0 && reports.at("E").frames == 1000 ? 0 : 1;
}
