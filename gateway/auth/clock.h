// Injected wall clock in whole seconds since the Unix epoch (JWT NumericDate), so expiry is testable.
#pragma once

#include <atomic>
#include <cstdint>

namespace fhirgw::auth {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now() const override;
};

// A clock the tests move by hand. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start) : now_(start) {}
  std::int64_t now() const override { return now_.load(); }
  void set(std::int64_t t) { now_.store(t); }
  void advance(std::int64_t seconds) { now_.fetch_add(seconds); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace fhirgw::auth
