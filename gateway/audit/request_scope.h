// Who is behind the store writes of the current request. Application::handle opens a RequestScope on the
// handler thread once the caller is authenticated; AuditingStore reads it when a write transaction begins
// (so the transaction keeps it even if it commits elsewhere) and records whether the request's writes were
// audited inside their transaction. Writes with no scope (background work) are audited as "fhirgw".
#pragma once

#include <string>

namespace fhirgw::audit {

struct RequestContext {
  std::string client_id;
  std::string network_address;
  std::string request_id;
  bool audited_in_transaction = false;  // set when a write transaction committed its AuditEvent
};

class RequestScope {
 public:
  explicit RequestScope(RequestContext& context);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;

  // The context of the request being handled on this thread, or nullptr.
  static RequestContext* current();

 private:
  RequestContext* previous_;
};

}  // namespace fhirgw::audit
