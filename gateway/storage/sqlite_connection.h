// Thin RAII wrappers over the SQLite C API: one connection, prepared statements with cached
// re-use. Errors throw StorageError with SQLite's message.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace fhirgw::storage {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binding is 1-based, like SQLite.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);
  // Without a copy (the hot write path): the bytes must stay valid until the statement is reset.
  Statement& bind_ref(int index, std::string_view text);
  Statement& bind_blob_ref(int index, std::string_view bytes);

  // true: a row is available; false: done.
  bool step();
  void reset();  // also clears bindings

  std::int64_t column_int(int col) const;
  double column_double(int col) const;
  std::string column_text(int col) const;
  std::string_view column_view(int col) const;  // valid until the next step/reset
  bool column_is_null(int col) const;

 private:
  Statement& bind_bytes(int index, std::string_view bytes, bool text, bool copy);

  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Connection {
 public:
  // Opens (creating if needed) the database file. `read_only` connections never write. `vfs`: the
  // name of a registered SQLite VFS (nullptr: the default).
  Connection(const std::string& path, bool read_only, const char* vfs = nullptr);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  void exec(std::string_view sql);
  // One statement without results (BEGIN, COMMIT, SAVEPOINT ...) from the statement cache: not parsed
  // again on every write transaction, as exec() does. Throws StorageError.
  void run(const std::string& sql);
  // A cached prepared statement, reset and unbound, ready for binding.
  Statement& cached(const std::string& sql);
  // A one-off prepared statement (dynamic SQL such as compiled searches).
  std::unique_ptr<Statement> prepare(std::string_view sql);
  // A prepared statement for generated SQL (searches), reset and unbound. Searches of one shape share
  // their text, so re-use saves the parse; the cache is bounded (request text decides the shapes), and
  // a statement stays valid only until the next call.
  Statement& cached_generated(const std::string& sql);
  std::int64_t changes() const;
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> generated_;
};

// Resets a cached statement when leaving scope, so a half-stepped statement never holds a read lock.
class StatementScope {
 public:
  explicit StatementScope(Statement& s) : s_(s) {}
  ~StatementScope() { s_.reset(); }
  Statement* operator->() { return &s_; }
  Statement& operator*() { return s_; }

 private:
  Statement& s_;
};

}  // namespace fhirgw::storage
