#include "cli/resource_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace fhirgw::cli {
namespace {

constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
constexpr std::size_t kKeepLineCapacity = std::size_t{4} << 20;

// Owns a file descriptor (stdin is borrowed, never closed).
class Input {
 public:
  bool open(std::string_view path, std::string* error) {
    if (path == "-") {
      fd_ = STDIN_FILENO;
      return true;
    }
    fd_ = ::open(std::string(path).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      *error = display_name(path) + ": cannot open: " + std::strerror(errno);
      return false;
    }
    owned_ = true;
    return true;
  }
  ~Input() {
    if (owned_) ::close(fd_);
  }
  // Reads up to `size` bytes; 0 at end of input, -1 on error.
  ssize_t read(char* data, std::size_t size) {
    for (;;) {
      const ssize_t n = ::read(fd_, data, size);
      if (n >= 0 || errno != EINTR) return n;
    }
  }

 private:
  int fd_ = -1;
  bool owned_ = false;
};

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// NDJSON if the first non-blank line is a complete object on its own ("{...}"); a pretty-printed
// document's first line is just "{".
bool looks_like_ndjson(std::string_view head) {
  std::size_t pos = 0;
  while (pos < head.size()) {
    const auto nl = head.find('\n', pos);
    const std::string_view line = trim(head.substr(pos, nl == std::string_view::npos ? head.npos : nl - pos));
    if (!line.empty()) return line.size() >= 2 && line.front() == '{' && line.back() == '}';
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return false;
}

// Streams `pending` (already read bytes) and then the rest of `in` as NDJSON lines.
bool stream_lines(Input& in, std::string_view path, std::string pending, const ReadLimits& limits,
                  const std::function<void(const Record&)>& on_record, std::string* io_error) {
  std::vector<char> chunk(kChunkBytes);
  std::string line;
  std::uint64_t line_no = 1;
  bool overlong = false;  // skipping the rest of a line that exceeded the limit

  auto finish_line = [&] {
    if (overlong) {
      Record r;
      r.line = line_no;
      r.ndjson = true;
      r.error = "line " + std::to_string(line_no) + " is longer than the limit of " +
                std::to_string(limits.max_line_bytes) + " bytes (see --max-line-bytes)";
      on_record(r);
    } else if (!trim(line).empty()) {
      Record r;
      r.text = line;
      r.line = line_no;
      r.ndjson = true;
      on_record(r);
    }
    line.clear();
    if (line.capacity() > kKeepLineCapacity) std::string().swap(line);  // one huge line must not pin memory
    overlong = false;
    ++line_no;
  };

  auto consume = [&](std::string_view data) {
    while (!data.empty()) {
      const auto nl = data.find('\n');
      const std::string_view part = data.substr(0, nl);
      if (!overlong) {
        if (line.size() + part.size() > limits.max_line_bytes) {
          overlong = true;
          std::string().swap(line);  // give the memory back
        } else {
          line.append(part);
        }
      }
      if (nl == std::string_view::npos) return;
      finish_line();
      data.remove_prefix(nl + 1);
    }
  };

  consume(pending);
  std::string().swap(pending);
  for (;;) {
    const ssize_t n = in.read(chunk.data(), chunk.size());
    if (n < 0) {
      *io_error = display_name(path) + ": read error: " + std::strerror(errno);
      return false;
    }
    if (n == 0) break;
    consume(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
  }
  if (overlong || !line.empty()) finish_line();
  return true;
}

bool read_document(Input& in, std::string_view path, std::string text, const ReadLimits& limits,
                   const std::function<void(const Record&)>& on_record, std::string* io_error) {
  std::vector<char> chunk(kChunkBytes);
  bool too_big = text.size() > limits.max_document_bytes;
  while (!too_big) {
    const ssize_t n = in.read(chunk.data(), chunk.size());
    if (n < 0) {
      *io_error = display_name(path) + ": read error: " + std::strerror(errno);
      return false;
    }
    if (n == 0) break;
    if (text.size() + static_cast<std::size_t>(n) > limits.max_document_bytes) {
      too_big = true;
    } else {
      text.append(chunk.data(), static_cast<std::size_t>(n));
    }
  }
  Record r;
  if (too_big) {
    r.error = "document is larger than the limit of " + std::to_string(limits.max_document_bytes) +
              " bytes (see --max-document-bytes; use NDJSON for large data)";
  } else {
    r.text = text;
  }
  on_record(r);
  return true;
}

}  // namespace

std::string display_name(std::string_view path) { return path == "-" ? "<stdin>" : std::string(path); }

bool read_records(std::string_view path, InputFormat format, const ReadLimits& limits,
                  const std::function<void(const Record&)>& on_record, std::string* io_error) {
  Input in;
  if (!in.open(path, io_error)) return false;

  if (format == InputFormat::Auto) {
    if (ends_with(path, ".ndjson") || ends_with(path, ".jsonl")) format = InputFormat::Ndjson;
    if (ends_with(path, ".json")) format = InputFormat::Json;
  }
  std::string head;
  if (format == InputFormat::Auto) {
    // Read until the first non-blank line is complete (bounded by the line limit), then decide.
    std::vector<char> chunk(64 * 1024);
    for (;;) {
      const auto first = head.find_first_not_of(" \t\r\n");
      if (first != std::string::npos && head.find('\n', first) != std::string::npos) break;
      if (head.size() > limits.max_line_bytes) break;
      const ssize_t n = in.read(chunk.data(), chunk.size());
      if (n < 0) {
        *io_error = display_name(path) + ": read error: " + std::strerror(errno);
        return false;
      }
      if (n == 0) break;
      head.append(chunk.data(), static_cast<std::size_t>(n));
    }
    format = looks_like_ndjson(head) ? InputFormat::Ndjson : InputFormat::Json;
  }
  if (format == InputFormat::Ndjson) return stream_lines(in, path, std::move(head), limits, on_record, io_error);
  return read_document(in, path, std::move(head), limits, on_record, io_error);
}

}  // namespace fhirgw::cli
