// What the write interactions tell the rest of the gateway about every version they store, inside the
// same WriteTransaction (the forwarding outbox uses it to write its rows atomically with the change).
#pragma once

#include <string_view>

#include "storage/store.h"

namespace fhirgw::rest {

class ChangeSink {
 public:
  virtual ~ChangeSink() = default;
  // `v` was just written in `txn` (a delete: v.deleted, empty body). `origin`: the peer the change came
  // from ("" for local writes), so it is never sent back there. Returns true when it added work that
  // waits for the commit (outbox rows): then committed() is called once `txn` has committed.
  virtual bool changed(storage::WriteTransaction& txn, const storage::StoredVersion& v, std::string_view origin) = 0;
  // A transaction for which changed() returned true has committed: what it wrote is visible to readers.
  virtual void committed() = 0;
};

}  // namespace fhirgw::rest
