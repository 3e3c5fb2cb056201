#include "serve/store_pool.h"

namespace vigil::serve {

Result<StorePool::Lease> StorePool::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto store = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(store));
    }
  }
  StoreOptions options;
  options.read_only = true;
  auto store = Store::open(path_, options);
  if (!store.ok()) return store.status();
  return Lease(this, std::make_unique<Store>(std::move(store).value()));
}

void StorePool::give_back(std::unique_ptr<Store> store) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(store));
}

}  // namespace vigil::serve
