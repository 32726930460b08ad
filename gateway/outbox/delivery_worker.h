// The delivery thread of one peer: takes due outbox rows in order, sends them as transaction Bundles
// (transaction_bundle.h), removes them when the peer acknowledged.
//
// Rounds: each round takes up to in_flight x batch_size due rows, coalesces them (one entry per
// resource), and sends up to `in_flight` Bundles at once, each on its own keep-alive connection, so
// the peer stores them side by side (its group commit makes one WAL sync for several) while the
// next Bundle is on the wire. A resource is in one Bundle of a round. The acknowledged Bundles of a
// round are removed from the outbox in one write.
// Pipelined: while a round is in flight, the next one (the rows after it) is read and built (and read
// again once the round was acknowledged if there were none yet: the writers commit meanwhile), and it is
// sent as soon as every Bundle of the round was acknowledged; the round's rows are then removed and
// audited on a thread of their own while the next round is in flight (removing waits for A's writer,
// often a whole ingest transaction), so the peer does not wait for that. Anything that reads the
// outbox from its start waits for that removal first. A later version of a resource is thus sent only after
// the earlier one was acknowledged. Any failure in a round drops the prepared next round (its rows
// stay) and the worker reads from the start again, as it does while any row has failed and waits for
// a retry (Store::outbox_after).
//
// Failures:
// - the peer cannot be reached / the connection breaks / 5xx without a usable answer for a whole batch:
//   the whole peer waits (exponential backoff, +-50% jitter, capped); rows keep their attempt count, but a
//   row older than max_age goes to the dead letters.
// - 429 or 503: the peer waits for Retry-After (delta-seconds or HTTP-date; otherwise the backoff).
// - 401: our credentials, not the resources: the peer waits the backoff and a new token is fetched.
// - any other refusal of a batch: each row is sent on its own, so one poison resource cannot hold back
//   the others; a row that fails alone gets attempts + 1 and its own backoff, and after max_attempts (or
//   max_age) goes to the dead letters with the peer's reason. Later versions of that resource wait
//   behind it (Store::outbox_ready), so versions never overtake each other.
// - a DELETE the peer answers 404/410 for counts as delivered (nothing there to delete).
// Rows of one resource that are due together are coalesced: only the newest version is sent.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "audit/recorder.h"
#include "outbox/delivery_metrics.h"
#include "outbox/forwarding_config.h"
#include "outbox/peer_client.h"
#include "outbox/peer_token.h"
#include "storage/store.h"

namespace fhirgw::outbox {

class DeliveryWorker {
 public:
  using Log = std::function<void(std::string_view event, std::string_view detail)>;

  // Throws std::runtime_error for unusable TLS or key files. `audit` (optional) gets one record per
  // acknowledged delivery and per dead letter.
  DeliveryWorker(storage::Store& store, const PeerConfig& peer, std::string node, DeliveryMetrics& metrics,
                 audit::Recorder* audit, Log log);
  ~DeliveryWorker();  // stops and joins

  void start();
  void stop();
  void wake();  // new rows may be there

  const std::string& peer_name() const { return peer_.name; }
  // Why the peer could not be reached or was busy the last time ("" once a delivery succeeded).
  std::string peer_error() const;

 private:
  enum class Sent { Delivered, PeerBusy, Unreachable, Refused };
  struct Attempt {
    Sent sent = Sent::Refused;
    std::string error;
    std::int64_t retry_after_ms = 0;
    int status = 0;
    std::string bundle_id;
  };

  using Items = std::vector<const storage::OutboxItem*>;

  // Rows read together, their Bundles (pointers into `rows`, or into a caller's rows) and, once sent,
  // one Attempt per Bundle. Bundles in flight are posted by `posting` threads (joined on destruction).
  struct Round {
    std::vector<storage::OutboxItem> rows;
    // For each row, the index in `rows` of the newest row of its resource (the one sent for it).
    std::vector<std::size_t> newest;
    // Indexes of the rows whose newest row is one of `items` (pointers into `rows`): the rows a delivery
    // of `items` acknowledges. With `items` empty: every row but the newest of its resource.
    std::vector<std::size_t> rows_covered_by(const Items& items) const;
    std::vector<Items> bundles;
    std::vector<Attempt> attempts;
    std::vector<std::thread> posting;
    ~Round() { join(); }
    void join();
  };

  void run();
  bool deliver_due();  // false: nothing was due
  // Coalesces `rows` and splits them into Bundles (rows without a body fail here).
  std::unique_ptr<Round> prepare(std::vector<storage::OutboxItem> rows);
  // The next round while `round` is in flight: the rows after it (Store::outbox_after); nullptr if none.
  std::unique_ptr<Round> prepare_after(const Round& round);
  // Starts sending each Bundle on its own connection (clients_[i]), all at once; finish() waits for them.
  void launch(Round& round);
  void finish(Round& round);
  // What the answers of a finished round mean: acknowledge, audit, retry, wait.
  void settle(Round& round);
  // A round whose Bundles were all delivered, settled on a thread of its own (settling_) while the
  // next round is in flight: removing its rows waits for the writer (often a whole ingest transaction).
  void settle_async(std::unique_ptr<Round> round);
  // Waits for settle_async; rethrows what it failed with (a storage error: its rows stay, re-sent later).
  void join_settling();
  // Audits and removes the round's delivered Bundles; false if none was.
  bool remove_delivered(const Round& round);
  // Sends the Bundles of one round and waits; one Attempt per Bundle.
  std::vector<Attempt> send_all(std::vector<Items> bundles);
  Attempt send(const Items& items) { return send_all({items}).front(); }
  // After a Bundle was refused: each entry on its own. False: the peer became unreachable or busy.
  bool send_each(const Items& items, const Round& round);
  // Removes the rows `sent` stood for (Round::seqs_covered_by) and counts the delivery.
  void acknowledge(const Items& sent, const Round& round);
  void give_up_if_old(const std::vector<storage::OutboxItem>& items, const std::string& error);
  void fail_one(const storage::OutboxItem& item, const std::string& error);
  void audit_delivery(const std::vector<const storage::OutboxItem*>& items, int status, const std::string& failure);
  // The peer could not be reached for `rows`: counted, logged once, rows past max_age_s dead-lettered.
  // Returns how long the peer waits.
  std::int64_t peer_unreachable(const std::vector<storage::OutboxItem>& rows, const std::string& error);
  std::int64_t backoff(int failures);
  void sleep_for(std::int64_t ms);

  storage::Store& store_;
  const PeerConfig& peer_;
  std::string node_;
  DeliveryMetrics& metrics_;
  audit::Recorder* audit_;
  Log log_;
  PeerUrl url_;
  std::vector<std::unique_ptr<PeerClient>> clients_;  // one keep-alive connection per Bundle in flight
  std::unique_ptr<PeerToken> token_;
  std::mt19937_64 rng_;
  int peer_failures_ = 0;     // consecutive failures of the whole peer
  bool unreachable_ = false;  // the last round could not reach the peer
  void set_peer_error(std::string error);
  mutable std::mutex mutex_;
  std::string peer_error_;
  std::condition_variable cv_;
  bool woken_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::thread settling_;  // settle_async
  std::exception_ptr settle_failure_;
};

}  // namespace fhirgw::outbox
