// A Store decorator that audits every write inside the write's own transaction: when a WriteTransaction
// commits, one AuditEvent describing its puts and removes is written into the same transaction first, so a
// write and its audit record are durable together or not at all. One write gives subtype create, update or
// delete with entity what = Type/id/_history/version; several (a transaction Bundle, /internal/records) give
// subtype "transaction" with one entity per version. Reads pass through unchanged.
#pragma once

#include <memory>

#include "search/param_catalog.h"
#include "storage/store.h"

namespace fhirgw::audit {

class AuditingStore : public storage::Store {
 public:
  AuditingStore(storage::Store& inner, const search::ParamCatalog& catalog) : inner_(inner), catalog_(catalog) {}

  std::optional<storage::StoredVersion> read(const std::string& type, const std::string& id) override {
    return inner_.read(type, id);
  }
  std::optional<storage::StoredVersion> vread(const std::string& type, const std::string& id,
                                              std::int64_t version) override {
    return inner_.vread(type, id, version);
  }
  std::vector<storage::StoredVersion> read_many(const std::vector<storage::ResourceRef>& refs) override {
    return inner_.read_many(refs);
  }
  storage::HistoryPage history(const storage::HistoryQuery& query) override { return inner_.history(query); }
  storage::SearchResult search(const storage::SearchQuery& query) override { return inner_.search(query); }
  std::vector<storage::ResourceRef> references_of(const storage::ResourceRef& source,
                                                  const std::string& param) override {
    return inner_.references_of(source, param);
  }
  std::unique_ptr<storage::WriteTransaction> begin_write(
      storage::WriteIntent intent = storage::WriteIntent::General) override;
  // The forwarding outbox passes through (its rows are written inside audited transactions).
  std::vector<storage::OutboxItem> outbox_ready(const std::string& peer, std::int64_t now_ms, std::size_t limit,
                                                storage::OutboxRead read = storage::OutboxRead::WithBodies) override {
    return inner_.outbox_ready(peer, now_ms, limit, read);
  }
  std::vector<storage::OutboxItem> outbox_after(const std::string& peer, std::int64_t after_seq,
                                                std::size_t limit) override {
    return inner_.outbox_after(peer, after_seq, limit);
  }
  void outbox_delivered(const std::vector<std::int64_t>& seqs) override { inner_.outbox_delivered(seqs); }
  void outbox_failed(std::int64_t seq, std::int64_t next_attempt_ms, const std::string& error) override {
    inner_.outbox_failed(seq, next_attempt_ms, error);
  }
  void outbox_dead_letter(std::int64_t seq, std::int64_t now_ms, const std::string& error) override {
    inner_.outbox_dead_letter(seq, now_ms, error);
  }
  std::vector<storage::OutboxPeerStats> outbox_stats() override { return inner_.outbox_stats(); }
  std::vector<storage::DeadLetter> dead_letters(std::size_t limit) override { return inner_.dead_letters(limit); }
  bool retry_dead_letter(std::int64_t id, std::int64_t now_ms) override { return inner_.retry_dead_letter(id, now_ms); }
  bool ready() override { return inner_.ready(); }
  storage::StoreStats stats() override { return inner_.stats(); }
  void flush() override { inner_.flush(); }

 private:
  storage::Store& inner_;
  const search::ParamCatalog& catalog_;
};

}  // namespace fhirgw::audit
