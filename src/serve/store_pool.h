// StorePool: read connections to the store for request handlers. acquire() lends a connection
// (opening one when none is idle) and the Lease gives it back when it dies, so each request
// thread reads on its own connection while the writer commits (WAL). Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "serve/store.h"

namespace vigil::serve {

class StorePool {
 public:
  explicit StorePool(std::string path) : path_(std::move(path)) {}
  StorePool(const StorePool&) = delete;
  StorePool& operator=(const StorePool&) = delete;

  class Lease {
   public:
    Lease(StorePool* pool, std::unique_ptr<Store> store) : pool_(pool), store_(std::move(store)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = default;
    ~Lease() {
      if (store_) pool_->give_back(std::move(store_));
    }
    Store* operator->() { return store_.get(); }
    Store& operator*() { return *store_; }

   private:
    StorePool* pool_;
    std::unique_ptr<Store> store_;
  };

  Result<Lease> acquire();

 private:
  void give_back(std::unique_ptr<Store> store);

  const std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Store>> idle_;  // guarded by mu_
};

}  // namespace vigil::serve
