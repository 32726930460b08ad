#include "storage/sqlite_connection.h"

#include <sqlite3.h>

#include "storage/sql_functions.h"
#include "storage/store.h"

namespace fhirgw::storage {
namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db ? sqlite3_errmsg(db) : "out of memory";
  throw StorageError(message);
}

}  // namespace

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_, "bind");
  return *this;
}
Statement& Statement::bind(int index, double value) {
  if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) fail(db_, "bind");
  return *this;
}
Statement& Statement::bind(int index, std::string_view text) { return bind_bytes(index, text, true, true); }
Statement& Statement::bind_blob(int index, std::string_view bytes) { return bind_bytes(index, bytes, false, true); }
Statement& Statement::bind_ref(int index, std::string_view text) { return bind_bytes(index, text, true, false); }
Statement& Statement::bind_blob_ref(int index, std::string_view bytes) {
  return bind_bytes(index, bytes, false, false);
}
Statement& Statement::bind_bytes(int index, std::string_view bytes, bool text, bool copy) {
  const sqlite3_destructor_type lifetime = copy ? SQLITE_TRANSIENT : SQLITE_STATIC;
  const int rc = text ? sqlite3_bind_text64(stmt_, index, bytes.data(), bytes.size(), lifetime, SQLITE_UTF8)
                      : sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), lifetime);
  if (rc != SQLITE_OK) fail(db_, "bind");
  return *this;
}
Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_, "bind");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string message = std::string("step: ") + sqlite3_errmsg(db_);
  sqlite3_reset(stmt_);
  throw StorageError(message);
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::column_double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Statement::column_text(int col) const { return std::string(column_view(col)); }
std::string_view Statement::column_view(int col) const {
  const void* data = sqlite3_column_blob(stmt_, col);
  const int size = sqlite3_column_bytes(stmt_, col);
  if (data == nullptr || size <= 0) return {};
  return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}
bool Statement::column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

Connection::Connection(const std::string& path, bool read_only, const char* vfs) {
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, vfs) != SQLITE_OK) {
    std::string message = "cannot open database '" + path + "': " + (db_ ? sqlite3_errmsg(db_) : "out of memory");
    sqlite3_close(db_);
    db_ = nullptr;
    throw StorageError(message);
  }
  sqlite3_extended_result_codes(db_, 1);
  // Writers queue behind each other (BEGIN IMMEDIATE) instead of failing at once.
  sqlite3_busy_timeout(db_, 10000);
  try {
    register_sql_functions(db_);
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

Connection::~Connection() {
  cache_.clear();  // statements must be finalized before the connection closes
  generated_.clear();
  sqlite3_close(db_);
}

void Connection::exec(std::string_view sql) {
  char* error = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = "exec: ";
    message += error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw StorageError(message);
  }
}

void Connection::run(const std::string& sql) {
  StatementScope s(cached(sql));
  while (s->step()) {
  }
}

Statement& Connection::cached(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    it = cache_.emplace(sql, prepare(sql)).first;
  }
  it->second->reset();
  return *it->second;
}

Statement& Connection::cached_generated(const std::string& sql) {
  constexpr std::size_t kMaxGenerated = 64;
  auto it = generated_.find(sql);
  if (it == generated_.end()) {
    if (generated_.size() >= kMaxGenerated) generated_.clear();
    it = generated_.emplace(sql, prepare(sql)).first;
  }
  it->second->reset();
  return *it->second;
}

std::unique_ptr<Statement> Connection::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
      SQLITE_OK) {
    fail(db_, "prepare");
  }
  return std::make_unique<Statement>(db_, stmt);
}

std::int64_t Connection::changes() const { return sqlite3_changes64(db_); }

}  // namespace fhirgw::storage
