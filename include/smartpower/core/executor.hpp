#pragma once
// The library's one executor: ensembles (chunks of runs), sweeps (points), the posterior
// (groups of runs that share parameters) and ABC calibration (evaluations) hand their
// tasks to it. Tasks are numbered; a task's result depends on its number only, never on
// which thread ran it or when, so results are the same bytes for any thread count.
// (Ranks of mpirun split tasks before they get here: run_ensemble's chunks and
// distributed_map's items, core/ensemble.hpp.)

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace smartpower {

// Runs run(worker, i) for each task i in [0, n) on up to `threads` threads (worker is the
// thread's number, in [0, threads), for state a thread keeps between its tasks). Tasks
// start in index order, at most `window` of them ahead of the last one released. The
// calling thread waits for them in index order: wait(i), then release(i). With one
// thread (or a build without threads, SMARTPOWER_SINGLE_THREAD) no thread is started and
// wait(i) runs task i on the calling thread. Threads the system refuses are done without;
// std::runtime_error when not even one can start (SMARTPOWER_FAKE_THREAD_LIMIT=N, for
// tests, refuses threads beyond the N-th as the system would). After a task throws no
// further task starts (those below it have all started). The destructor starts no further
// task and joins the threads.
class Executor {
 public:
  Executor(std::size_t n, int threads, std::size_t window, std::function<void(int worker, std::size_t i)> run);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Blocks until task i has finished; rethrows what it threw.
  void wait(std::size_t i);
  // Task i's result has been taken: task i + window may start.
  void release(std::size_t i);
  // The threads started (0 when tasks run on the calling thread).
  int threads() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// Task i's result, taken in index order on the calling thread: task(worker, i) runs on the
// executor's threads, next() returns the results of tasks 0, 1, ... (or rethrows what the
// task threw). At most `window` results are held at once.
template <class R>
class OrderedTasks {
 public:
  OrderedTasks(std::size_t n, int threads, std::size_t window, std::function<R(int worker, std::size_t i)> task)
      : slots_(std::max<std::size_t>(1, window)),
        exec_(n, threads, slots_.size(),
              [this, task = std::move(task)](int w, std::size_t i) { slots_[i % slots_.size()].emplace(task(w, i)); }) {
  }
  OrderedTasks(const OrderedTasks&) = delete;
  OrderedTasks& operator=(const OrderedTasks&) = delete;

  R next() {
    const std::size_t i = next_++;
    exec_.wait(i);
    auto& slot = slots_[i % slots_.size()];
    R r = std::move(*slot);
    slot.reset();
    exec_.release(i);
    return r;
  }

 private:
  std::vector<std::optional<R>> slots_;  // task i's result in slot i % window
  Executor exec_;                        // after slots_: joined before they go
  std::size_t next_ = 0;
};

// Runs fn(i) for each i in [0, n) on up to `threads` threads and returns when all have run.
// After a task throws no further task starts, and the exception of the lowest task that
// threw is rethrown: the same one for any thread count, as every task below it has run.
// progress(done), if set, is called on the calling thread with the count of tasks done
// (in index order). Threads as Executor's.
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t i)>& fn,
                  const std::function<void(std::size_t done)>& progress = {});

}  // namespace smartpower
