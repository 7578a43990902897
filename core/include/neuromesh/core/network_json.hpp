#pragma once
// Reading networks from JSON (format and schema: docs/network-format.md). Structural errors name
// the key path at fault, e.g. "projections[1].connector.p"; model-level checks (known models and
// parameters) are done by neuromesh::validate (api.hpp), which knows the model registry.
#include <string>

#include <neuromesh/core/network.hpp>

namespace neuromesh {

// Parses JSON text; `origin` names the source in error messages (a path or "<string>").
network parse_network_json(const std::string& text, const std::string& origin = "<string>");
// One entry of "stimuli" (an object as in the file), read by the same rules; errors name `where`.
// The Python API adds NEST's generators through it, so both front ends read one set of names.
stimulus parse_stimulus_json(const std::string& text, const std::string& where);
// Reads and parses a JSON network file; io_error if it cannot be read.
network load_network_file(const std::string& path);

}  // namespace neuromesh
