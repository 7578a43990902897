#pragma once
// Stimulus devices lowered for one population (network.hpp: stimulus), in the form every engine
// runs: host/device structs a backend copies to wherever its neurons live. The numbers they
// produce are part of the determinism contract: each neuron's Poisson count per step comes from
// its own keyed stream (seed, generator, gid, step), so any backend that draws it gets the same.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <neuromesh/core/fixed_point.hpp>
#include <neuromesh/core/macros.hpp>
#include <neuromesh/core/network.hpp>
#include <neuromesh/core/random/distributions.hpp>
#include <neuromesh/core/random/keyed_stream.hpp>
#include <neuromesh/core/time.hpp>

namespace neuromesh {

// A poisson_generator driving a population: an independent Poisson train per neuron.
struct poisson_drive {
  random::poisson_table counts;  // Poisson(rate * h), tabulated once (same draws as poisson())
  fixed_t weight;                // per spike, fixed point (fixed_point.hpp)
  std::uint32_t receptor;        // 0 excitatory, 1 inhibitory
  std::uint32_t purpose;         // keyed-stream purpose unique to this generator
  std::uint64_t max_count;       // max_count_for(weight): larger counts saturate
  step_t start = 0;              // acts in the updates start <= u - delay < stop
  step_t stop = 0;
  step_t delay = 0;

  NEUROMESH_INLINE_HOST_DEVICE bool active(step_t u) const { return u - delay >= start && u - delay < stop; }

  // The input of neuron `gid` in step `step`, one neuron at a time; count x weight saturates.
  // Tabulated means: the count for keyed_stream::drive_u64 (one Philox block per pair of steps);
  // means the table does not cover: PTRS rejection on the stream (seed, purpose, gid, step).
  NEUROMESH_INLINE_HOST_DEVICE fixed_t input(std::uint64_t seed, gid_t gid, std::uint32_t step) const {
    if (counts.tabulated())
      return scaled_saturating(count_from(keyed_stream::drive_u64(seed, purpose, gid, step)), weight, max_count);
    keyed_stream s(seed, purpose, gid, step);
    return scaled_saturating(counts.sample(s), weight, max_count);
  }
  // The count for 64 random bits (keyed_stream::drive_u64), when tabulated(): batches compute the
  // bits of many neurons in one vectorised loop first.
  NEUROMESH_INLINE_HOST_DEVICE std::uint64_t count_from(std::uint64_t first_bits) const {
    return counts.from_uniform(keyed_stream::to_uniform(first_bits));
  }
};

// ---------------------------------------------------------------------------------------------
// Timing. Neuron update u advances from t = u h to (u + 1) h. A device with delay D steps (its
// connection delay to the neurons, NEST's syn_spec delay) acts in update u with what it
// produced in its own step c = u - D. Measured against NEST 3.10 (tests/crosscheck,
// test_crosscheck_stimuli.py), with start, stop and times in steps:
//   current generators (dc_source, step_current_generator, ac_generator, noise_generator):
//     active while start <= c < stop, so with NEST's smallest delay (D = 1) a current started at
//     `start` first acts in the update (start + h, start + 2h] -- NEST's "one step delay";
//     step_current_generator: amplitude_values[i] from c >= amplitude_times[i];
//     ac_generator: offset + amplitude sin(omega c h + phase);
//     noise_generator: mean + N_j sqrt(std^2 + std_mod^2 sin(omega (j dt + 1) h + phase)) in the
//     j-th interval of dt steps after start, N_j ~ N(0, 1) drawn per neuron;
//   poisson_generator (neuromesh's, D = 0 by default): active while start <= c < stop;
//   inhomogeneous_poisson_generator: active while start < c <= stop, at the rate of the last
//     rate_times[i] <= c + 1 (NEST changes the rate one step ahead);
//   sinusoidal_poisson_generator: active while start <= c + 1 < stop, at the rate
//     max(0, rate + amplitude sin(omega (c + 1) h + phase)) (NEST: the oscillator is advanced,
//     then read).
// dc_source and poisson_generator (neuromesh's own, D = 0 by default) act from `start`; the
// NEST-named devices default to D = 1, NEST's smallest delay, so that NEST's times mean the same
// steps here. Source: NEST 3.10 models/{dc,step_current,ac,noise}_generator.cpp,
// {inhomogeneous,sinusoidal}_poisson_generator.cpp and nestkernel/stimulation_device.cpp (read
// for semantics; the steps above were measured on NEST 3.10).
//
// Determinism: currents that are the same for every neuron (dc, step, ac) are summed on the host
// in network order, in double, by current_amplitude(); noise and Poisson counts come from keyed
// streams (seed, generator, gid -- or one key for all neurons where the train is shared --,
// step or noise interval), drawn per neuron by the same host/device functions on every backend.
// ---------------------------------------------------------------------------------------------

// A population-wide current: dc_source, step_current_generator or ac_generator (host side).
struct current_drive {
  enum class kind : std::uint8_t { dc, step, ac };
  kind type = kind::dc;
  double amplitude = 0.0;             // dc, ac [pA]
  step_t start = 0, stop = 0;         // device steps: active while start <= c < stop
  step_t delay = 0;                   // steps: update u sees device step c = u - delay
  double offset = 0.0;                // ac [pA]
  double omega_h = 0.0, phase = 0.0;  // ac: 2 pi f h [rad per step], phase [rad]
  std::vector<step_t> times;          // step: device steps at which the amplitude changes (increasing)
  std::vector<double> values;         // step: the amplitudes [pA]

  // The current [pA] of this device in update u.
  double at(step_t u) const {
    const step_t c = u - delay;
    if (c < start || c >= stop) return 0.0;
    switch (type) {
      case kind::dc:
        return amplitude;
      case kind::ac:
        return offset + amplitude * std::sin(omega_h * static_cast<double>(c) + phase);
      case kind::step: {
        const auto it = std::upper_bound(times.begin(), times.end(), c);
        return it == times.begin() ? 0.0 : values[static_cast<std::size_t>(it - times.begin()) - 1];
      }
    }
    return 0.0;
  }
};

// Kept for the existing callers: a dc_source is a current_drive of kind dc.
using dc_drive = current_drive;

// The summed current [pA] of the population-wide drives in update u, in their (network) order.
inline double current_amplitude(const std::vector<current_drive>& drives, step_t u) {
  double amp = 0.0;
  for (const current_drive& d : drives) amp += d.at(u);
  return amp;
}
inline double dc_amplitude(const std::vector<current_drive>& drives, step_t u) { return current_amplitude(drives, u); }

// A noise_generator in one update: every neuron's current is mean + sigma N, N ~ N(0, 1) from the
// stream (seed, purpose, gid, interval).
struct noise_now {
  double mean, sigma;
  std::uint32_t purpose, interval;
  NEUROMESH_INLINE_HOST_DEVICE double value(std::uint64_t seed, gid_t gid) const {
    keyed_stream s(seed, purpose, static_cast<std::uint32_t>(gid), interval);
    return random::normal(s, mean, sigma);
  }
};

// The current [pA] of neuron `gid`: `extra` (the closed-loop current) plus every active noise
// drive, in their (network) order -- the one sum every backend forms.
NEUROMESH_INLINE_HOST_DEVICE double noisy_current(double extra, const noise_now* noise, std::uint32_t n_noise,
                                                  std::uint64_t seed, gid_t gid) {
  for (std::uint32_t d = 0; d < n_noise; ++d) extra += noise[d].value(seed, gid);
  return extra;
}

struct noise_drive {
  double mean = 0.0, std_dev = 0.0, std_mod = 0.0;      // pA
  double omega_h = 0.0, phase = 0.0;                    // rad per step, rad
  step_t start = 0, stop = 0, delay = 0, interval = 1;  // device window, delay and dt, in steps
  std::uint32_t purpose = 0;

  // Whether it acts in update u, and how (the interval index keys the draws).
  bool at(step_t u, noise_now& out) const {
    const step_t c = u - delay;
    if (c < start || c >= stop) return false;
    const step_t j = (c - start) / interval;
    double sigma = std_dev;
    if (std_mod != 0.0)
      sigma = std::sqrt(std_dev * std_dev +
                        std_mod * std_mod * std::sin(omega_h * static_cast<double>(j * interval + 1) + phase));
    out = {mean, sigma, purpose, static_cast<std::uint32_t>(j)};
    return true;
  }
};

// An inhomogeneous or sinusoidal Poisson generator in one update: each neuron (or, for a train
// shared by all, the key shared_train) draws Poisson(mean) spikes of `weight`.
struct rate_now {
  static constexpr std::uint32_t shared_train = 0xffffffffu;
  double mean;
  fixed_t weight;
  std::uint64_t max_count;
  std::uint32_t receptor, purpose;
  bool individual;
  NEUROMESH_INLINE_HOST_DEVICE fixed_t input(std::uint64_t seed, gid_t gid, std::uint32_t step) const {
    keyed_stream s(seed, purpose, individual ? static_cast<std::uint32_t>(gid) : shared_train, step);
    return scaled_saturating(random::poisson(s, mean), weight, max_count);
  }
};

struct rate_drive {
  enum class kind : std::uint8_t { inhomogeneous, sinusoidal };
  kind type = kind::inhomogeneous;
  fixed_t weight = 0;
  std::uint64_t max_count = 0;
  std::uint32_t receptor = 0, purpose = 0;
  bool individual = true;
  double h_s = 0.0;  // the step in seconds (rate x h_s = expected spikes per step)
  step_t start = 0, stop = 0, delay = 0;
  std::vector<step_t> times;                                       // inhomogeneous: steps at which the rate changes
  std::vector<double> values;                                      // Hz
  double rate = 0.0, amplitude = 0.0, omega_h = 0.0, phase = 0.0;  // sinusoidal (Hz, Hz, rad/step, rad)

  // Whether it sends spikes in update u (the rate is > 0), and with which mean count.
  bool at(step_t u, rate_now& out) const {
    const step_t c = u - delay;
    double r = 0.0;
    if (type == kind::inhomogeneous) {
      if (c <= start || c > stop) return false;
      const auto it = std::upper_bound(times.begin(), times.end(), c + 1);
      if (it == times.begin()) return false;
      r = values[static_cast<std::size_t>(it - times.begin()) - 1];
    } else {
      if (c < 0 || c + 1 < start || c + 1 >= stop) return false;
      r = rate + amplitude * std::sin(omega_h * static_cast<double>(c + 1) + phase);
    }
    if (!(r > 0.0)) return false;
    out = {r * h_s, weight, max_count, receptor, purpose, individual};
    return true;
  }
};

// What the drives of a population do in one update, beyond the ring buffer's Poisson rows.
struct drive_step {
  double current = 0.0;          // population-wide [pA]
  std::vector<noise_now> noise;  // per-neuron currents
  std::vector<rate_now> rates;   // per-neuron spike counts
};

// All stimulus devices of one population, in network order (the order currents are summed in).
struct stimulus_drives {
  std::vector<poisson_drive> poisson;
  std::vector<current_drive> dc;  // dc_source, step_current_generator, ac_generator
  std::vector<noise_drive> noise;
  std::vector<rate_drive> rates;

  bool any() const { return !poisson.empty() || !dc.empty() || !noise.empty() || !rates.empty(); }

  // The update-u part of the drives (host; cheap, no allocation when there is no noise or rate drive).
  drive_step at(step_t u) const {
    drive_step d;
    d.current = current_amplitude(dc, u);
    for (const noise_drive& n : noise) {
      noise_now x;
      if (n.at(u, x)) d.noise.push_back(x);
    }
    for (const rate_drive& r : rates) {
      rate_now x;
      if (r.at(u, x)) d.rates.push_back(x);
    }
    return d;
  }
};

}  // namespace neuromesh
