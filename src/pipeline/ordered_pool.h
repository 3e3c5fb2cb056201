// OrderedPool: runs numbered work units on N threads and hands their outputs to one consumer in
// unit order (0, 1, 2, ...), so parallel scans print exactly what a serial scan would print.
// produce() runs on worker threads (must be thread-safe per unit); consume() runs on the calling
// thread only. Memory stays bounded whatever the input: see the window and parts below.
//
// Design: a counter under the pool mutex hands out unit numbers; a worker may not start unit u until
// u < next_to_consume + window, so a slow unit at the head stalls producers instead of letting
// finished outputs pile up. Outputs wait in a ring of `window` slots indexed by u % window.
//
// Parts: a unit that cannot be split (a compressed file, a pipe) may still produce without bound.
// Its producer hands over its output so far with emit(part); parts reach consume() in order, before
// the unit's final output. Each slot holds at most one part, so emit() blocks while the previous
// one has not been taken — a unit behind the head waits there with one part in hand, the head's
// producer streams through the consumer. emit() returns false once the consumer has stopped.
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
using EmitPart = std::function<bool(Out&& part)>;

template <typename Out>
void run_ordered(size_t units, size_t threads, size_t window,
                 const std::function<Out(size_t unit, size_t worker, const EmitPart<Out>& emit)>& produce,
                 const std::function<bool(size_t unit, Out&& out)>& consume) {
  if (units == 0) return;
  threads = std::max<size_t>(1, std::min(threads, units));
  window = std::max(window, threads);
  if (threads == 1) {
    bool stopped = false;
    for (size_t u = 0; u < units && !stopped; ++u) {
      EmitPart<Out> emit = [&](Out&& part) {
        if (!stopped && !consume(u, std::move(part))) stopped = true;
        return !stopped;
      };
      Out out = produce(u, 0, emit);
      if (!stopped && !consume(u, std::move(out))) stopped = true;
    }
    return;
  }
  struct Slot {
    std::optional<Out> part;
    std::optional<Out> final;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Slot> slots(window);  // guarded by mu
  size_t next_unit = 0;             // guarded by mu
  size_t next_consume = 0;          // guarded by mu
  bool stop = false;                // guarded by mu

  auto worker = [&](size_t id) {
    for (;;) {
      size_t u;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stop || next_unit >= units || next_unit < next_consume + window; });
        if (stop || next_unit >= units) return;
        u = next_unit++;
      }
      EmitPart<Out> emit = [&, u](Out&& part) {
        std::unique_lock<std::mutex> lock(mu);
        Slot& slot = slots[u % window];
        cv.wait(lock, [&] { return stop || !slot.part.has_value(); });
        if (stop) return false;
        slot.part.emplace(std::move(part));
        lock.unlock();
        cv.notify_all();
        return true;
      };
      Out out = produce(u, id, emit);
      {
        std::lock_guard<std::mutex> lock(mu);
        slots[u % window].final.emplace(std::move(out));
      }
      cv.notify_all();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (size_t i = 0; i < threads; ++i) pool.emplace_back(worker, i);

  bool stopped = false;
  for (size_t u = 0; u < units && !stopped; ++u) {
    for (;;) {
      Out out;
      bool last;
      {
        std::unique_lock<std::mutex> lock(mu);
        Slot& slot = slots[u % window];
        // A part left behind when the final arrived is still older than the final.
        cv.wait(lock, [&] { return slot.part.has_value() || slot.final.has_value(); });
        last = !slot.part.has_value();
        std::optional<Out>& from = last ? slot.final : slot.part;
        out = std::move(*from);
        from.reset();
        if (last) next_consume = u + 1;
      }
      cv.notify_all();
      if (!consume(u, std::move(out))) {
        stopped = true;
        break;
      }
      if (last) break;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
  }
  cv.notify_all();
  for (auto& t : pool) t.join();
}

// Units that produce their whole output at once.
template <typename Out>
void run_ordered(size_t units, size_t threads, size_t window,
                 const std::function<Out(size_t unit, size_t worker)>& produce,
                 const std::function<bool(size_t unit, Out&& out)>& consume) {
  run_ordered<Out>(
      units, threads, window, [&](size_t u, size_t w, const EmitPart<Out>&) { return produce(u, w); }, consume);
}

}  // namespace vigil
