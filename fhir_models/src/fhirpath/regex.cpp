#include "regex.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>

#include "linear_regex.h"

// GCC 12 reports false -Wmaybe-uninitialized warnings inside libstdc++'s <regex> under sanitizers.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace fhir::fhirpath::detail {

namespace {
std::atomic<std::uint64_t> next_regex_id{1};
}  // namespace

class Regex {
 public:
  explicit Regex(std::string_view pattern)
      : re_(pattern.begin(), pattern.end(), std::regex::ECMAScript | std::regex::optimize),
        linear_(LinearRegex::compile(pattern)),
        id_(next_regex_id.fetch_add(1, std::memory_order_relaxed)) {}
  const std::regex& get() const { return re_; }
  // The linear-time form of a simple pattern (linear_regex.h), used for searches; nullopt for the others.
  const std::optional<LinearRegex>& linear() const { return linear_; }
  // Unique per compiled pattern, never reused (keys the per-thread result cache).
  std::uint64_t id() const { return id_; }

 private:
  std::regex re_;  // also validates the pattern; replaceMatches() and complex patterns use it
  std::optional<LinearRegex> linear_;
  std::uint64_t id_;
};

namespace {

// std::regex backtracks and costs microseconds per call, while constraint patterns see the same few thousand
// subjects again and again (the simple core patterns, eld-19 and sdf-19, go to LinearRegex instead).
// A per-thread direct-mapped cache of (pattern, subject) -> verdict answers repeats; the verdict of a
// search depends on nothing else.
struct SearchMemo {
  struct Entry {
    std::uint64_t regex = 0;
    std::string subject;
    bool found = false;
  };
  static constexpr std::size_t kSize = 4096;
  static constexpr std::size_t kMaxSubject = 256;  // longer subjects are rare and not worth keeping
  std::array<Entry, kSize> entries;

  Entry& slot(std::uint64_t regex, std::string_view subject) {
    const std::size_t h = std::hash<std::string_view>{}(subject) ^ (regex * 0x9E3779B97F4A7C15ull);
    return entries[h % kSize];
  }
};

}  // namespace

std::shared_ptr<const Regex> compile_regex(std::string_view pattern, std::string* error) {
  try {
    return std::make_shared<const Regex>(pattern);
  } catch (const std::regex_error& e) {
    *error = "invalid regular expression '" + std::string(pattern) + "': " + e.what();
    return nullptr;
  }
}

std::optional<bool> regex_search(const Regex& re, std::string_view subject, std::string* error) {
  if (re.linear()) return re.linear()->search(subject);
  thread_local SearchMemo memo;
  SearchMemo::Entry* cached = nullptr;
  if (subject.size() <= SearchMemo::kMaxSubject) {
    cached = &memo.slot(re.id(), subject);
    if (cached->regex == re.id() && cached->subject == subject) return cached->found;
  }
  try {
    const bool found = std::regex_search(subject.begin(), subject.end(), re.get());
    if (cached != nullptr) {
      cached->regex = re.id();
      cached->subject.assign(subject);
      cached->found = found;
    }
    return found;
  } catch (const std::regex_error& e) {
    *error = std::string("regular expression failed: ") + e.what();
    return std::nullopt;
  }
}

std::optional<std::string> regex_replace_all(const Regex& re, std::string_view subject, std::string_view replacement,
                                             std::string* error) {
  try {
    std::string out;
    std::regex_replace(std::back_inserter(out), subject.begin(), subject.end(), re.get(), std::string(replacement));
    return out;
  } catch (const std::regex_error& e) {
    *error = std::string("regular expression failed: ") + e.what();
    return std::nullopt;
  }
}

}  // namespace fhir::fhirpath::detail
