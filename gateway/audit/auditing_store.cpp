#include "audit/auditing_store.h"

#include "audit/audit_event.h"
#include "audit/request_scope.h"

namespace fhirgw::audit {
namespace {

thread_local RequestContext* t_current = nullptr;

class AuditingTransaction : public storage::WriteTransaction {
 public:
  AuditingTransaction(std::unique_ptr<storage::WriteTransaction> inner, const search::ParamCatalog& catalog)
      : inner_(std::move(inner)), catalog_(catalog), context_(RequestScope::current()) {
    if (context_) {
      record_.client_id = context_->client_id;
      record_.network_address = context_->network_address;
      record_.request_id = context_->request_id;
    } else {
      record_.client_id = "fhirgw";  // background work of the gateway itself
    }
  }

  std::optional<storage::StoredVersion> read(const std::string& type, const std::string& id) override {
    return inner_->read(type, id);
  }
  storage::SearchResult search(const storage::SearchQuery& query) override { return inner_->search(query); }
  std::int64_t current_version(const std::string& type, const std::string& id) override {
    return inner_->current_version(type, id);
  }
  void put(const storage::NewVersion& v, storage::Method method, std::int64_t version) override {
    inner_->put(v, method, version);
    note(v.type, v.id, version, method == storage::Method::Create ? "create" : "update");
  }
  bool remove(const std::string& type, const std::string& id, std::int64_t version, std::int64_t when_ms) override {
    const bool removed = inner_->remove(type, id, version, when_ms);
    if (removed) note(type, id, version, "delete");
    return removed;
  }
  bool claim_conditional_key(const std::string& type, const std::string& criteria, const std::string& id) override {
    return inner_->claim_conditional_key(type, criteria, id);
  }
  std::optional<std::string> conditional_key_owner(const std::string& type, const std::string& criteria) override {
    return inner_->conditional_key_owner(type, criteria);
  }
  void enqueue_outbox(const storage::OutboxItem& item) override { inner_->enqueue_outbox(item); }
  bool set_routed(const std::string& peer, const std::string& type, const std::string& id, bool routed) override {
    return inner_->set_routed(peer, type, id, routed);
  }
  void commit() override {
    if (!record_.entities.empty()) {
      if (record_.entities.size() == 1) {
        record_.interaction = std::move(record_.entities.front().interaction);
        record_.entities.front().interaction.clear();
      } else {
        record_.interaction = "transaction";
      }
      inner_->put(audit_event_version(record_, catalog_), storage::Method::Create, 1);
    }
    inner_->commit();
    if (context_ && !record_.entities.empty()) context_->audited_in_transaction = true;
  }

 private:
  void note(const std::string& type, const std::string& id, std::int64_t version, const char* interaction) {
    if (type == "AuditEvent") return;  // the audit trail itself
    record_.entities.push_back(Entity::of_version(type, id, version, interaction));
  }

  std::unique_ptr<storage::WriteTransaction> inner_;
  const search::ParamCatalog& catalog_;
  RequestContext* context_;
  AuditRecord record_;
};

}  // namespace

RequestScope::RequestScope(RequestContext& context) : previous_(t_current) { t_current = &context; }
RequestScope::~RequestScope() { t_current = previous_; }
RequestContext* RequestScope::current() { return t_current; }

std::unique_ptr<storage::WriteTransaction> AuditingStore::begin_write(storage::WriteIntent intent) {
  // The AuditEvent added at commit is a plain create, so the intent holds for the audited transaction.
  return std::make_unique<AuditingTransaction>(inner_.begin_write(intent), catalog_);
}

}  // namespace fhirgw::audit
