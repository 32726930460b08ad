#include "storage/sqlite_outbox.h"

#include <map>
#include <utility>

#include "storage/sqlite_connection.h"
#include "storage/sqlite_migrations.h"
#include "storage/sqlite_store.h"

namespace fhirgw::storage {

bool set_outbox_routed(Connection& db, const std::string& peer, const std::string& type, const std::string& id,
                       bool routed) {
  bool was = false;
  {
    StatementScope s(db.cached("SELECT 1 FROM outbox_routed WHERE peer = ? AND type = ? AND id = ?"));
    s->bind(1, peer).bind(2, type).bind(3, id);
    was = s->step();
  }
  if (was != routed) {
    StatementScope s(db.cached(routed ? "INSERT INTO outbox_routed(peer, type, id) VALUES(?, ?, ?)"
                                      : "DELETE FROM outbox_routed WHERE peer = ? AND type = ? AND id = ?"));
    s->bind(1, peer).bind(2, type).bind(3, id);
    s->step();
  }
  return was;
}

namespace {

// The columns of an outbox row with its version's method (only "DELETE" matters) and body (outbox_item reads
// them). A current version (most rows: forwarding keeps up) is read from the `resources` row `c` already
// read for the rid (its body is only there, kHistoryBody); only an older one is looked up in the history,
// by its resource's rid (schema 11). RowsOnly: the row alone (method and body NULL), no version read.
std::string outbox_select(const char* where, OutboxRead read = OutboxRead::WithBodies) {
  const std::string columns =
      "SELECT o.seq, o.type, o.id, o.version, o.created, o.attempts, o.next_attempt, o.last_error, ";
  const std::string tail = std::string(" WHERE ") + where + " ORDER BY o.seq LIMIT ?3";
  if (read == OutboxRead::RowsOnly) return columns + "NULL, NULL, o.send_delete, NULL FROM outbox o" + tail;
  const auto older = [](const char* column) {
    return std::string("(SELECT h.") + column +
           " FROM resource_history h WHERE h.rid = c.rid AND h.version = o.version)";
  };
  return columns + "CASE WHEN c.version = o.version THEN CASE WHEN c.deleted THEN 'DELETE' END ELSE " +
         older("method") + " END, CASE WHEN c.version = o.version THEN c.body ELSE " + older("body") +
         " END, o.send_delete, c.rid FROM outbox o LEFT JOIN resources c ON c.type = o.type AND c.id = o.id" + tail;
}

OutboxItem outbox_item(Statement& s, const std::string& peer) {
  OutboxItem item;
  item.seq = s.column_int(0);
  item.peer = peer;
  item.type = s.column_text(1);
  item.id = s.column_text(2);
  item.version = s.column_int(3);
  item.created_ms = s.column_int(4);
  item.attempts = static_cast<int>(s.column_int(5));
  item.next_attempt_ms = s.column_int(6);
  item.last_error = s.column_text(7);
  item.send_delete = s.column_int(10) != 0;
  item.deleted = item.send_delete || s.column_view(8) == "DELETE";
  if (!item.deleted && !s.column_is_null(9)) item.body = s.column_text(9);
  item.rid = s.column_int(11);  // NULL (RowsOnly, or no such resource): 0
  return item;
}

}  // namespace

std::vector<OutboxItem> SqliteStore::outbox_ready(const std::string& peer, std::int64_t now_ms, std::size_t limit,
                                                  OutboxRead read) {
  ReaderLease db(readers_);
  // Both queries see the lease's one snapshot of the outbox.
  std::vector<OutboxItem> out;
  std::map<std::pair<std::string, std::string>, std::int64_t> waiting;  // resource -> first seq waiting
  {
    // `next_attempt > 0` (implied by the other term, now_ms being positive) names the rows of the partial
    // index outbox_due (schema 13): without it SQLite would not read that index and would scan the peer's rows.
    StatementScope s(
        db->cached("SELECT type, id, MIN(seq) FROM outbox WHERE peer = ?1 AND next_attempt > ?2 AND next_attempt > 0 "
                   "GROUP BY type, id"));
    s->bind(1, peer).bind(2, now_ms);
    while (s->step()) waiting.emplace(std::make_pair(s->column_text(0), s->column_text(1)), s->column_int(2));
  }
  // `+o.next_attempt`: no index on it, so the rows are read in seq order from outbox_by_peer and the
  // scan stops at the limit. Through outbox_due instead, SQLite joined the history of every due row
  // (the whole outbox while a peer catches up) and sorted them, each round: quadratic in the backlog.
  StatementScope s(db->cached(outbox_select("o.peer = ?1 AND +o.next_attempt <= ?2", read)));
  s->bind(1, peer).bind(2, now_ms).bind(3, static_cast<std::int64_t>(limit));
  while (s->step()) {
    const std::int64_t seq = s->column_int(0);
    if (const auto it = waiting.find({s->column_text(1), s->column_text(2)}); it != waiting.end() && it->second < seq)
      continue;
    out.push_back(outbox_item(*s, peer));
  }
  return out;
}

std::vector<OutboxItem> SqliteStore::outbox_after(const std::string& peer, std::int64_t after_seq, std::size_t limit) {
  ReaderLease db(readers_);
  {
    // A failed row has next_attempt > 0 (outbox_failed) until it is delivered or dead-lettered.
    StatementScope failed(db->cached("SELECT 1 FROM outbox WHERE peer = ?1 AND next_attempt > 0 LIMIT 1"));
    failed->bind(1, peer);
    if (failed->step()) return {};
  }
  std::vector<OutboxItem> out;
  StatementScope s(db->cached(outbox_select("o.peer = ?1 AND o.seq > ?2")));
  s->bind(1, peer).bind(2, after_seq).bind(3, static_cast<std::int64_t>(limit));
  while (s->step()) out.push_back(outbox_item(*s, peer));
  return out;
}

void SqliteStore::outbox_delivered(const std::vector<std::int64_t>& seqs) {
  if (seqs.empty()) return;
  write_joined([&] {
    for (const std::int64_t seq : seqs) {
      StatementScope s(writer_->cached("DELETE FROM outbox WHERE seq = ?"));
      s->bind(1, seq);
      s->step();
    }
  });
}

void SqliteStore::outbox_failed(std::int64_t seq, std::int64_t next_attempt_ms, const std::string& error) {
  write_joined([&] {
    StatementScope s(writer_->cached(
        "UPDATE outbox SET attempts = attempts + 1, next_attempt = ?2, last_error = ?3 WHERE seq = ?1"));
    s->bind(1, seq).bind(2, next_attempt_ms).bind(3, error);
    s->step();
  });
}

void SqliteStore::outbox_dead_letter(std::int64_t seq, std::int64_t now_ms, const std::string& error) {
  write_joined([&] {
    {
      StatementScope s(writer_->cached(
          "INSERT INTO dead_letters(peer, type, id, version, created, attempts, failed_at, last_error, send_delete) "
          "SELECT peer, type, id, version, created, attempts + 1, ?2, ?3, send_delete FROM outbox WHERE seq = ?1"));
      s->bind(1, seq).bind(2, now_ms).bind(3, error);
      s->step();
    }
    StatementScope d(writer_->cached("DELETE FROM outbox WHERE seq = ?"));
    d->bind(1, seq);
    d->step();
  });
}

// Index reads only, no scan of the outbox table: a monitor (or a benchmark) polling /admin/outbox while a
// peer catches up would otherwise pay a table scan per poll. Failed rows have next_attempt > 0
// (outbox_failed), so `retrying` and the last error come from the outbox_due range; `oldest` is the first
// row in outbox order (created is the enqueue time, so that is the oldest up to a concurrent writer's ms).
std::vector<OutboxPeerStats> SqliteStore::outbox_stats() {
  ReaderLease db(readers_);
  std::map<std::string, OutboxPeerStats> by_peer;
  auto stats_of = [&](const std::string& peer) -> OutboxPeerStats& {
    auto& st = by_peer[peer];
    st.peer = peer;
    return st;
  };
  std::vector<std::string> peers;
  {
    // The distinct peers, one index seek each.
    StatementScope s(
        db->cached("WITH RECURSIVE p(peer) AS (SELECT MIN(peer) FROM outbox UNION ALL "
                   "SELECT (SELECT MIN(peer) FROM outbox WHERE peer > p.peer) FROM p WHERE p.peer IS NOT NULL) "
                   "SELECT peer FROM p WHERE peer IS NOT NULL"));
    while (s->step()) peers.push_back(s->column_text(0));
  }
  for (const std::string& peer : peers) {
    auto& st = stats_of(peer);
    {
      StatementScope s(db->cached("SELECT COUNT(*) FROM outbox WHERE peer = ?"));
      s->bind(1, peer);
      if (s->step()) st.pending = static_cast<std::uint64_t>(s->column_int(0));
    }
    {
      StatementScope s(db->cached("SELECT COUNT(*) FROM outbox WHERE peer = ?1 AND next_attempt > 0 AND attempts > 0"));
      s->bind(1, peer);
      if (s->step()) st.retrying = static_cast<std::uint64_t>(s->column_int(0));
    }
    {
      StatementScope s(db->cached("SELECT created FROM outbox WHERE peer = ? ORDER BY seq LIMIT 1"));
      s->bind(1, peer);
      if (s->step()) st.oldest_ms = s->column_int(0);
    }
  }
  {
    StatementScope s(db->cached("SELECT peer, COUNT(*) FROM dead_letters GROUP BY peer"));
    while (s->step()) stats_of(s->column_text(0)).dead_letters = static_cast<std::uint64_t>(s->column_int(1));
  }
  for (auto& [peer, st] : by_peer) {
    // The newest error: a row still retrying, else the newest dead letter.
    StatementScope s(db->cached(
        "SELECT last_error FROM (SELECT last_error, next_attempt AS t FROM outbox "
        "WHERE peer = ?1 AND next_attempt > 0 AND attempts > 0 "
        "UNION ALL SELECT last_error, failed_at AS t FROM dead_letters WHERE peer = ?1) ORDER BY t DESC LIMIT 1"));
    s->bind(1, peer);
    if (s->step()) st.last_error = s->column_text(0);
  }
  std::vector<OutboxPeerStats> out;
  for (auto& [peer, st] : by_peer) out.push_back(std::move(st));
  return out;
}

std::vector<DeadLetter> SqliteStore::dead_letters(std::size_t limit) {
  ReaderLease db(readers_);
  StatementScope s(
      db->cached("SELECT dl, peer, type, id, version, created, attempts, failed_at, last_error FROM dead_letters "
                 "ORDER BY dl LIMIT ?"));
  s->bind(1, static_cast<std::int64_t>(limit));
  std::vector<DeadLetter> out;
  while (s->step()) {
    DeadLetter d;
    d.id = s->column_int(0);
    d.peer = s->column_text(1);
    d.type = s->column_text(2);
    d.resource_id = s->column_text(3);
    d.version = s->column_int(4);
    d.created_ms = s->column_int(5);
    d.attempts = static_cast<int>(s->column_int(6));
    d.failed_ms = s->column_int(7);
    d.last_error = s->column_text(8);
    out.push_back(std::move(d));
  }
  return out;
}

bool SqliteStore::retry_dead_letter(std::int64_t id, std::int64_t now_ms) {
  bool found = false;
  write_joined([&] {
    {
      StatementScope s(
          writer_->cached("INSERT INTO outbox(peer, type, id, version, created, send_delete) "
                          "SELECT peer, type, id, version, ?2, send_delete FROM dead_letters WHERE dl = ?1"));
      s->bind(1, id).bind(2, now_ms);
      s->step();
      found = writer_->changes() == 1;
    }
    StatementScope d(writer_->cached("DELETE FROM dead_letters WHERE dl = ?"));
    d->bind(1, id);
    d->step();
  });
  return found;
}

}  // namespace fhirgw::storage
