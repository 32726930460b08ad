// The outbox's admin endpoints:
//   GET  /admin/outbox                      per peer: pending, retrying, dead letters, oldest, last error,
//                                           peer_error (why the peer itself cannot be reached right now)
//   GET  /admin/dead-letters[?_count=N]     the same counts plus the dead letters (oldest first, N <= 1000)
//   POST /admin/dead-letters/{id}/$retry    puts one back at the end of its peer's outbox
// JSON answers (application/json); errors are OperationOutcomes.
#pragma once

#include <functional>

#include "http/message.h"
#include "outbox/forwarding_config.h"
#include "storage/store.h"

namespace fhirgw::outbox {

class Admin {
 public:
  // `peer_error(name)`: the delivery thread's last connection-level error for that peer ("" = none).
  Admin(storage::Store& store, const ForwardingConfig& config, std::function<void()> wake_workers,
        std::function<std::string(const std::string&)> peer_error)
      : store_(store), config_(config), wake_(std::move(wake_workers)), peer_error_(std::move(peer_error)) {}

  // `req.path` starts with /admin/.
  http::Response handle(const http::Request& req);

 private:
  std::string counts_json();

  storage::Store& store_;
  const ForwardingConfig& config_;
  std::function<void()> wake_;
  std::function<std::string(const std::string&)> peer_error_;
};

}  // namespace fhirgw::outbox
