#include "smartpower/core/executor.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

namespace smartpower {
namespace {

// Starts up to `wanted` threads running fn; if the system refuses one (std::system_error,
// e.g. a process limit), goes on with those already started: results never depend on the
// thread count. Throws when not even one starts.
std::vector<std::thread> start_threads(int wanted, const std::function<void()>& fn) {
  long fake = -1;
  if (const char* env = std::getenv("SMARTPOWER_FAKE_THREAD_LIMIT"); env && *env) fake = std::strtol(env, nullptr, 10);
  std::vector<std::thread> pool;
  std::string why;
  for (int t = 0; t < std::max(1, wanted); ++t) {
    try {
      if (fake >= 0 && t >= fake) {
        throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again),
                                "SMARTPOWER_FAKE_THREAD_LIMIT=" + std::to_string(fake));
      }
      pool.emplace_back(fn);
    } catch (const std::system_error& e) {
      why = e.what();
      break;
    }
  }
  if (pool.empty()) {
    throw std::runtime_error("could not start a worker thread (" + why +
                             "); the system's thread or process limit is reached (ulimit -u): close other programs or "
                             "raise the limit");
  }
  return pool;
}

}  // namespace

struct Executor::State {
  std::function<void(int, std::size_t)> run;
  std::size_t n = 0, window = 1;
  std::mutex mu;
  std::condition_variable cv;
  std::size_t next = 0, released = 0;  // the next task to start; tasks below `released` are taken
  bool abort = false;
  std::exception_ptr failed;               // the first exception a task threw (no task starts after it)
  std::vector<char> ready;                 // by i % window: task i has finished
  std::vector<std::exception_ptr> errors;  // by i % window
  std::vector<std::thread> pool;
  std::atomic<int> workers{0};

  void work() {
    const int w = workers++;
    while (true) {
      std::size_t i;
      {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait(lk, [&] { return abort || failed || next >= n || next - released < window; });
        if (abort || failed || next >= n) return;
        i = next++;
      }
      std::exception_ptr err;
      try {
        run(w, i);
      } catch (...) {
        err = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lk(mu);
        ready[i % window] = 1;
        errors[i % window] = err;
        if (err && !failed) failed = err;
      }
      cv.notify_all();
    }
  }
};

Executor::Executor(std::size_t n, int threads, std::size_t window, std::function<void(int, std::size_t)> run)
    : s_(std::make_unique<State>()) {
  s_->run = std::move(run);
  s_->n = n;
  s_->window = std::max<std::size_t>(1, window);
  s_->ready.assign(s_->window, 0);
  s_->errors.assign(s_->window, nullptr);
#ifdef SMARTPOWER_SINGLE_THREAD
  (void)threads;  // no threads at all (WebAssembly without SharedArrayBuffer)
#else
  const int t = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(std::max(1, threads)), n));
  if (t > 1) s_->pool = start_threads(t, [st = s_.get()] { st->work(); });
#endif
}

Executor::~Executor() {
  {
    std::lock_guard<std::mutex> lk(s_->mu);
    s_->abort = true;
  }
  s_->cv.notify_all();
  for (auto& t : s_->pool) t.join();
}

int Executor::threads() const { return static_cast<int>(s_->pool.size()); }

void Executor::wait(std::size_t i) {
  if (s_->pool.empty()) {
    s_->run(0, i);  // no threads: the task runs here, now
    return;
  }
  std::exception_ptr err;
  {
    std::unique_lock<std::mutex> lk(s_->mu);
    const std::size_t k = i % s_->window;
    s_->cv.wait(lk, [&] { return s_->ready[k] || (s_->failed && i >= s_->next); });
    if (!s_->ready[k]) {
      err = s_->failed;  // never started: a task below it threw
    } else {
      s_->ready[k] = 0;
      err = std::move(s_->errors[k]);
      s_->errors[k] = nullptr;
    }
  }
  if (err) std::rethrow_exception(err);
}

void Executor::release(std::size_t i) {
  {
    std::lock_guard<std::mutex> lk(s_->mu);
    s_->released = std::max(s_->released, i + 1);
  }
  s_->cv.notify_all();
}

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn,
                  const std::function<void(std::size_t)>& progress) {
  // Every task may run ahead (window n): waiting in index order only finds the lowest
  // task that threw.
  Executor exec(n, threads, n, [&](int, std::size_t i) { fn(i); });
  for (std::size_t i = 0; i < n; ++i) {
    exec.wait(i);
    exec.release(i);
    if (progress) progress(i + 1);
  }
}

}  // namespace smartpower
