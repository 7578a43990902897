#pragma once
// A one-line progress bar on stderr, drawn only when stderr is a terminal (logs stay clean).
#include <chrono>
#include <string>

namespace neuromesh::cli {

class progress_bar {
 public:
  explicit progress_bar(std::string label);
  void update(double fraction);
  void finish();

 private:
  std::string label_;
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace neuromesh::cli
