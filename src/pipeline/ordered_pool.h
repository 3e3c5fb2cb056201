// OrderedPool: runs numbered work units on N threads and hands their outputs to one consumer in
// unit order (0, 1, 2, ...), so parallel scans print exactly what a serial scan would print.
// produce() runs on worker threads (must be thread-safe per unit); consume() runs on the calling
// thread only. At most `window` outputs wait at once (plus the one being consumed), which bounds memory
// whatever the input.
//
// Design: a counter under the pool mutex hands out unit numbers; a worker may not start unit u until
// u < next_to_consume + window, so a slow unit at the head stalls producers instead of letting
// finished outputs pile up. Outputs wait in a ring of `window` slots indexed by u % window.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace vigil {

template <typename Out>
void run_ordered(size_t units, size_t threads, size_t window,
                 const std::function<Out(size_t unit, size_t worker)>& produce,
                 const std::function<bool(size_t unit, Out&& out)>& consume) {
  if (units == 0) return;
  threads = std::max<size_t>(1, std::min(threads, units));
  window = std::max(window, threads);
  if (threads == 1) {
    for (size_t u = 0; u < units; ++u) {
      if (!consume(u, produce(u, 0))) return;
    }
    return;
  }
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::optional<Out>> slots(window);  // guarded by mu
  size_t next_unit = 0;                           // guarded by mu
  size_t next_consume = 0;                        // guarded by mu
  bool stop = false;                              // guarded by mu

  auto worker = [&](size_t id) {
    for (;;) {
      size_t u;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stop || next_unit >= units || next_unit < next_consume + window; });
        if (stop || next_unit >= units) return;
        u = next_unit++;
      }
      Out out = produce(u, id);
      {
        std::lock_guard<std::mutex> lock(mu);
        slots[u % window].emplace(std::move(out));
      }
      cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (size_t i = 0; i < threads; ++i) pool.emplace_back(worker, i);

  for (size_t u = 0; u < units; ++u) {
    Out out;
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return slots[u % window].has_value(); });
      out = std::move(*slots[u % window]);
      slots[u % window].reset();
      next_consume = u + 1;
    }
    cv.notify_all();
    if (!consume(u, std::move(out))) {
      std::lock_guard<std::mutex> lock(mu);
      stop = true;
      break;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
  }
  cv.notify_all();
  for (auto& t : pool) t.join();
}

}  // namespace vigil
