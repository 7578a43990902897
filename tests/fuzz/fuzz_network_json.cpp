// Fuzz target: JSON network text -> parse_network_json, then the checks that need no engine
// (validate, check_sign_rule, resolve_receptors, estimate_memory). The contract
// (docs/reliability.md): malformed or invalid input is a config_error (parameter_error is one) or an
// io_error naming the key path; anything else -- another exception, internal_error, a crash, a
// hang, UB -- is a finding.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include <neuromesh/api.hpp>
#include <neuromesh/core/errors.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const neuromesh::network net = neuromesh::parse_network_json(text, "<fuzz>");
    neuromesh::validate(net);
    neuromesh::check_sign_rule(net);
    const neuromesh::network resolved = neuromesh::resolve_receptors(net);
    (void)neuromesh::estimate_memory(resolved, 2, 2);
  } catch (const neuromesh::config_error&) {
  } catch (const neuromesh::io_error&) {
  } catch (const std::exception& e) {
    neuromesh::fuzz::finding(std::string("unexpected exception: ") + e.what());
  }
  return 0;
}
