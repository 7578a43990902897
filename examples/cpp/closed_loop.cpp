// Sensor -> network -> motor, stepped in a closed loop at 1 ms like a robot controller.
// A "sensor" population receives a current proportional to a simulated distance reading; a
// "motor" population's spikes of the last millisecond set the wheel speed, which changes the
// distance. The loop prints the trajectory and the per-iteration latency.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include <neuromesh/api.hpp>

namespace nm = neuromesh;

nm::network controller() {
  nm::network net;
  net.name = "closed_loop";
  net.populations.push_back({"sensor", 20, "iaf_psc_exp", {{"t_ref", 2.0}}, {}, {}});
  net.populations.push_back({"motor", 10, "iaf_psc_exp", {{"t_ref", 2.0}}, {}, {}});
  nm::projection p;
  p.pre = "sensor";
  p.post = "motor";
  p.conn.type = nm::connector::kind::all_to_all;
  p.weight = 400.0;  // pA
  p.delay = 1.0;     // ms: one epoch = 10 steps of 0.1 ms
  net.projections.push_back(p);
  return net;
}

int main() {
  auto sim = nm::make_simulation(controller(), {.threads = 1});
  std::vector<nm::index_t> sensors(20);
  for (nm::index_t i = 0; i < 20; ++i) sensors[i] = i;
  std::vector<double> current(20);
  double distance = 5.0;  // m to an obstacle
  std::vector<double> latencies;
  for (int iteration = 0; iteration < 2000; ++iteration) {
    const auto t0 = std::chrono::steady_clock::now();
    std::fill(current.begin(), current.end(), 100.0 * distance);  // pA: closer = less drive
    sim->set_current("sensor", sensors, current);
    sim->advance_steps(10);                                                 // 1 ms
    const auto motor_spikes = sim->last_spikes("motor");                    // view, no copy
    const double speed = 0.002 * static_cast<double>(motor_spikes.size());  // m per ms
    distance = std::max(0.0, distance - speed);
    latencies.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (iteration % 250 == 0)
      std::printf("t = %5.0f ms  distance %.3f m  motor spikes %zu\n", sim->time_ms(), distance, motor_spikes.size());
  }
  std::sort(latencies.begin(), latencies.end());
  std::printf("loop latency p50 %.1f us, p99 %.1f us; final distance %.3f m\n", latencies[latencies.size() / 2],
              latencies[latencies.size() * 99 / 100], distance);
  return distance < 5.0 ? 0 : 1;  // the robot must have moved
}
