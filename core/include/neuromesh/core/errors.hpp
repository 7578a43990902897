#pragma once
// One exception root for the project. User errors name what is at fault (population, parameter,
// key path); internal_error marks bugs. Messages are built in errors.cpp from the stored context.
#include <stdexcept>
#include <string>

namespace neuromesh {

// Root of every error neuromesh throws.
class error : public std::runtime_error {
 public:
  explicit error(const std::string& what) : std::runtime_error(what) {}
};

// A network description, file or option is invalid. `where` is the key path or entity at fault
// (e.g. "populations[E].params.tau_m"); Python maps this to neuromesh.ConfigError (a ValueError).
class config_error : public error {
 public:
  config_error(std::string where, const std::string& problem);
  const std::string& where() const noexcept { return where_; }

 private:
  std::string where_;
};

// A model parameter has an invalid value, e.g. tau_m <= 0.
class parameter_error : public config_error {
 public:
  parameter_error(const std::string& population, const std::string& parameter, const std::string& problem);
  const std::string& population() const noexcept { return population_; }
  const std::string& parameter() const noexcept { return parameter_; }

 private:
  std::string population_;
  std::string parameter_;
};

// Reading or writing a file failed (HDF5, JSON).
class io_error : public error {
 public:
  io_error(std::string path, const std::string& problem);
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

// A requested backend or feature is not available in this build or on this machine.
class backend_unavailable : public error {
 public:
  using error::error;
};

// A simulation was stopped by SIGINT/SIGTERM; output written so far is closed and readable.
class interrupted : public error {
 public:
  using error::error;
};

// Under MPI: another rank failed (it printed its own message); this rank stops too. Programs
// that print errors should stay silent for this one, so each failure is reported once.
class peer_failure : public error {
 public:
  using error::error;
};

// A broken internal invariant: a bug in neuromesh, never the user's fault.
class internal_error : public error {
 public:
  using error::error;
};

}  // namespace neuromesh
