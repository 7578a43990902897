#include "thread_pool.hpp"

#include <chrono>

namespace neuromesh::cpu {
namespace {

// Spin on `ready` for a while, then fall back to yielding so idle workers do not steal a core
// from the main thread on an oversubscribed machine.
template <class Ready>
void wait_until(Ready ready) {
  for (int spin = 0; !ready(); ++spin)
    if (spin > 2000) std::this_thread::yield();
}

// How long an idle worker keeps spinning and yielding before it sleeps: far above one step's
// work (a 0.1 ms step never waits this long), so only a pool with nothing to do -- an engine kept
// alive between runs, e.g. by a Python result -- stops taking a core.
constexpr auto idle_before_sleep = std::chrono::milliseconds(2);

}  // namespace

thread_pool::thread_pool(int n_threads) : n_(n_threads < 1 ? 1 : n_threads) {
  for (int k = 1; k < n_; ++k) threads_.emplace_back([this, k] { worker(k); });
}

thread_pool::~thread_pool() {
  stop_.store(true);
  generation_.fetch_add(1);
  generation_.notify_all();
  for (auto& t : threads_) t.join();
}

void thread_pool::wait_for_work(std::uint64_t seen) {
  const auto idle_since = std::chrono::steady_clock::now();
  for (int spin = 0; generation_.load(std::memory_order_acquire) == seen; ++spin) {
    if (spin <= 2000) continue;
    if (spin % 64 == 0 && std::chrono::steady_clock::now() - idle_since > idle_before_sleep)
      generation_.wait(seen, std::memory_order_acquire);  // futex: woken by run()'s notify_all
    else
      std::this_thread::yield();
  }
}

void thread_pool::execute(int k) {
  try {
    (*task_)(k);
  } catch (...) {
    if (!error_set_.test_and_set()) error_ = std::current_exception();
  }
}

void thread_pool::worker(int k) {
  std::uint64_t seen = 0;
  for (;;) {
    wait_for_work(seen);
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load()) return;
    execute(k);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void thread_pool::run(const std::function<void(int)>& task) {
  task_ = &task;
  error_ = nullptr;
  error_set_.clear();
  pending_.store(n_ - 1, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();  // cheap unless a worker sleeps (libstdc++ counts waiters)
  execute(0);
  wait_until([&] { return pending_.load(std::memory_order_acquire) == 0; });
  if (error_) std::rethrow_exception(error_);
}

}  // namespace neuromesh::cpu
