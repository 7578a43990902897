#include <neuromesh/core/errors.hpp>

namespace neuromesh {

config_error::config_error(std::string where, const std::string& problem)
    : error(where.empty() ? problem : where + ": " + problem), where_(std::move(where)) {}

parameter_error::parameter_error(const std::string& population, const std::string& parameter,
                                 const std::string& problem)
    : config_error("population '" + population + "', parameter '" + parameter + "'", problem),
      population_(population),
      parameter_(parameter) {}

io_error::io_error(std::string path, const std::string& problem)
    : error("'" + path + "': " + problem), path_(std::move(path)) {}

}  // namespace neuromesh
