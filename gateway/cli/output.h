// Buffered output to a stdio stream: appends to a string and flushes in large blocks.
#pragma once

#include <cstdio>
#include <string>

namespace fhirgw::cli {

class Output {
 public:
  explicit Output(std::FILE* stream) : stream_(stream) {}
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  ~Output() { flush(); }

  std::string& buffer() noexcept { return buffer_; }
  // Flushes when the buffer is large; call after each record.
  void maybe_flush() {
    if (buffer_.size() >= kFlushBytes) flush();
  }
  void flush() {
    if (!buffer_.empty()) std::fwrite(buffer_.data(), 1, buffer_.size(), stream_);
    buffer_.clear();
    std::fflush(stream_);
  }

 private:
  static constexpr std::size_t kFlushBytes = std::size_t{1} << 16;
  std::FILE* stream_;
  std::string buffer_;
};

}  // namespace fhirgw::cli
