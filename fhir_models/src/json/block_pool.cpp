#include "block_pool.h"

#include <cstddef>
#include <mutex>
#include <new>
#include <vector>

namespace fhir::json::detail {
namespace {

// A document arena asks for blocks of a fixed growing sequence of sizes (4 KiB, then x1.5 ...), so free
// blocks are matched by exact size; a short list searched from its most recently freed end suffices.
class BlockPool final : public std::pmr::memory_resource {
 public:
  static constexpr std::size_t kMaxCached = 32u << 20;      // bytes of free blocks kept for reuse
  static constexpr std::size_t kMaxCachedBlock = 8u << 20;  // larger blocks always go back to the heap

 private:
  struct Block {
    void* p;
    std::size_t bytes;
  };

  static bool pooled(std::size_t bytes, std::size_t alignment) {
    return alignment <= alignof(std::max_align_t) && bytes <= kMaxCachedBlock;
  }

  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    if (!pooled(bytes, alignment)) return ::operator new(bytes, std::align_val_t(alignment));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (std::size_t i = free_.size(); i-- > 0;) {
        if (free_[i].bytes != bytes) continue;
        void* p = free_[i].p;
        free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(i));
        cached_ -= bytes;
        return p;
      }
    }
    return ::operator new(bytes);
  }

  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
    if (!pooled(bytes, alignment)) {
      ::operator delete(p, std::align_val_t(alignment));  // unsized: clang < 19 has no sized delete by default
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_ + bytes <= kMaxCached) {
        free_.push_back(Block{p, bytes});
        cached_ += bytes;
        return;
      }
    }
    ::operator delete(p);
  }

  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

  std::mutex mutex_;
  std::vector<Block> free_;
  std::size_t cached_ = 0;
};

}  // namespace

std::pmr::memory_resource* block_pool() noexcept {
  // Never destroyed: documents held in static objects may be released after main() returns.
  static BlockPool* const pool = new BlockPool;
  return pool;
}

}  // namespace fhir::json::detail
