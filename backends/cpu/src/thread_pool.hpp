#pragma once
// A fixed team of threads that runs one task per shard and waits for all of them. The caller is
// shard 0, so one thread means no synchronisation at all. Workers spin briefly and then yield:
// epochs can be a single 0.1 ms step, where a condition-variable wake-up would cost more than
// the work itself. A worker idle for 2 ms sleeps (std::atomic::wait) until the next run.
#include <atomic>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace neuromesh::cpu {

class thread_pool {
 public:
  explicit thread_pool(int n_threads);
  ~thread_pool();
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;

  int size() const { return n_; }
  // Runs task(k) for k in [0, size()) concurrently; rethrows the first exception after all end.
  void run(const std::function<void(int)>& task);

 private:
  void worker(int k);
  void wait_for_work(std::uint64_t seen);
  void execute(int k);

  int n_;
  std::vector<std::thread> threads_;
  const std::function<void(int)>* task_ = nullptr;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
  std::atomic_flag error_set_ = ATOMIC_FLAG_INIT;
};

}  // namespace neuromesh::cpu
