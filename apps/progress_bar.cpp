#include <unistd.h>
#include <cstdio>

#include "progress_bar.hpp"

namespace neuromesh::cli {

progress_bar::progress_bar(std::string label)
    : label_(std::move(label)), enabled_(isatty(fileno(stderr)) != 0), start_(std::chrono::steady_clock::now()) {}

void progress_bar::update(double fraction) {
  if (!enabled_) return;
  constexpr int width = 40;
  const int filled = static_cast<int>(fraction * width);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0;
  std::fprintf(stderr, "\r%s [%.*s%*s] %5.1f%%  %.1fs elapsed, ~%.1fs left ", label_.c_str(), filled,
               "========================================", width - filled, "", fraction * 100, elapsed, eta);
  std::fflush(stderr);
}

void progress_bar::finish() {
  if (enabled_) std::fprintf(stderr, "\n");
  enabled_ = false;
}

}  // namespace neuromesh::cli
