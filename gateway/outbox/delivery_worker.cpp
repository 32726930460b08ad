#include "outbox/delivery_worker.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <unordered_map>
#include <utility>

#include "outbox/retry_after.h"
#include "outbox/transaction_bundle.h"
#include "platform/thread_name.h"

namespace fhirgw::outbox {

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A resource of a round, viewing its row's strings (the rows outlive the keys).
struct ResourceKey {
  std::string_view type;
  std::string_view id;
  bool operator==(const ResourceKey&) const = default;
};
struct ResourceKeyHash {
  std::size_t operator()(const ResourceKey& k) const noexcept {
    return std::hash<std::string_view>{}(k.id) * 31 + std::hash<std::string_view>{}(k.type);
  }
};

// A urn:uuid (version 4, random) naming one delivery Bundle.
std::string new_bundle_identifier(std::mt19937_64& rng) {
  const std::uint64_t a = rng();
  const std::uint64_t b = rng();
  char buf[64];
  std::snprintf(buf, sizeof buf, "urn:uuid:%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0x0FFF),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3FFF)),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return buf;
}

constexpr std::int64_t kIdlePollMs = 25;

}  // namespace

DeliveryWorker::DeliveryWorker(storage::Store& store, const PeerConfig& peer, std::string node,
                               DeliveryMetrics& metrics, audit::Recorder* audit, Log log)
    : store_(store),
      peer_(peer),
      node_(std::move(node)),
      metrics_(metrics),
      audit_(audit),
      log_(std::move(log)),
      url_([&peer] {
        PeerUrl u;
        if (!parse_peer_url(peer.url, u))
          throw std::runtime_error("forwarding peer " + peer.name + ": url is not http(s)");
        return u;
      }()),
      rng_(std::random_device{}()) {
  for (std::size_t i = 0; i < std::max<std::size_t>(peer.in_flight, 1); ++i) {
    clients_.push_back(std::make_unique<PeerClient>(
        url_, ClientTls{peer.tls_ca_file, peer.tls_cert_file, peer.tls_key_file}, peer.timeout_ms));
  }
  if (!peer.token_url.empty()) token_ = std::make_unique<PeerToken>(peer);
}

DeliveryWorker::~DeliveryWorker() { stop(); }

void DeliveryWorker::start() {
  thread_ = std::thread([this] {
    platform::name_this_thread("fhirgw-deliver");
    run();
  });
}

void DeliveryWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& c : clients_) c->abort();  // a request in progress ends now; its rows stay in the outbox
  if (thread_.joinable()) thread_.join();
  if (settling_.joinable()) settling_.join();  // the worker's thread left one running after an error
}

void DeliveryWorker::wake() {
  {
    std::lock_guard lock(mutex_);
    // The router wakes us for every row it writes (on the writer thread): only the first one since the
    // worker last looked costs a notify (a futex call and a context switch each).
    if (woken_) return;
    woken_ = true;
  }
  cv_.notify_all();
}

void DeliveryWorker::run() {
  while (!stop_) {
    bool worked = false;
    try {
      worked = deliver_due();
    } catch (const std::exception& e) {
      // Storage trouble (busy, I/O): the rows stay; try again later.
      log_("outbox_error", peer_.name + ": " + e.what());
      sleep_for(backoff(++peer_failures_));
      continue;
    }
    if (!worked) {
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, std::chrono::milliseconds(kIdlePollMs), [this] { return woken_ || stop_.load(); });
      woken_ = false;
    }
  }
}

void DeliveryWorker::Round::join() {
  for (std::thread& t : posting) t.join();
  posting.clear();
}

bool DeliveryWorker::deliver_due() {
  join_settling();  // reading from the start of the outbox must not find rows already delivered
  const std::size_t limit = peer_.batch_size * clients_.size();
  if (unreachable_) {
    // The peer was down: see that it answers before reading the versions, building (and serializing)
    // Bundles for it and reading the round after, all thrown away while it stays down. Meanwhile only the
    // rows' ages matter (max_age_s): they are read without their versions.
    auto waiting = store_.outbox_ready(peer_.name, now_ms(), limit, storage::OutboxRead::RowsOnly);
    if (waiting.empty()) return false;
    if (std::string error = clients_.front()->connect(); !error.empty()) {
      sleep_for(peer_unreachable(waiting, error));
      return true;
    }
  }
  auto rows = store_.outbox_ready(peer_.name, now_ms(), limit);
  if (rows.empty()) return false;
  std::unique_ptr<Round> round = prepare(std::move(rows));
  if (round->bundles.empty()) return true;
  launch(*round);
  for (;;) {
    // The round after this one is read while this one is in flight, and once more when the peer
    // acknowledged this one if there was none yet (the writers may have committed rows meanwhile).
    std::unique_ptr<Round> next = stop_ ? nullptr : prepare_after(*round);
    finish(*round);
    const bool all_delivered = std::all_of(round->attempts.begin(), round->attempts.end(),
                                           [](const Attempt& a) { return a.sent == Sent::Delivered; });
    if (!next && all_delivered && !stop_) next = prepare_after(*round);
    if (!next || !all_delivered || stop_) {
      join_settling();
      settle(*round);
      return true;  // a prepared `next` not sent: its rows stay due
    }
    launch(*next);
    // The peer stores `next` while this round leaves the outbox and is audited.
    join_settling();
    settle_async(std::move(round));
    round = std::move(next);
  }
}

std::unique_ptr<DeliveryWorker::Round> DeliveryWorker::prepare(std::vector<storage::OutboxItem> rows) {
  auto round = std::make_unique<Round>();
  round->rows = std::move(rows);
  const std::vector<storage::OutboxItem>& all = round->rows;
  // Coalesce: the newest due version of each resource (the last in seq order) stands for the older ones.
  std::unordered_map<ResourceKey, std::size_t, ResourceKeyHash> newest;
  newest.reserve(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) newest[{all[i].type, all[i].id}] = i;
  round->newest.resize(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) round->newest[i] = newest.find({all[i].type, all[i].id})->second;
  Items to_send;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const storage::OutboxItem& r = all[i];
    if (round->newest[i] != i) continue;
    if (!r.deleted && r.body.empty()) {
      fail_one(r, "version " + std::to_string(r.version) + " is no longer in the store's history");
      continue;
    }
    to_send.push_back(&r);
  }
  // Bundles of batch_size in outbox order (at most `lanes` of them): what fits one Bundle goes as one.
  for (std::size_t i = 0; i < to_send.size(); i += peer_.batch_size) {
    round->bundles.emplace_back(
        to_send.begin() + static_cast<std::ptrdiff_t>(i),
        to_send.begin() + static_cast<std::ptrdiff_t>(std::min(i + peer_.batch_size, to_send.size())));
  }
  return round;
}

std::unique_ptr<DeliveryWorker::Round> DeliveryWorker::prepare_after(const Round& round) {
  // Later versions of the round's resources may be among these: they are sent only once every Bundle
  // of the round was acknowledged (deliver_due), so they still arrive after the round's versions.
  const std::int64_t last = round.rows.back().seq;  // rows come in seq order
  auto rows = store_.outbox_after(peer_.name, last, peer_.batch_size * clients_.size());
  if (rows.empty()) return nullptr;
  auto next = prepare(std::move(rows));
  if (next->bundles.empty()) return nullptr;
  return next;
}

void DeliveryWorker::settle_async(std::unique_ptr<Round> round) {
  unreachable_ = false;
  peer_failures_ = 0;
  set_peer_error({});
  settling_ = std::thread([this, round = std::move(round)] {
    try {
      remove_delivered(*round);
    } catch (...) {
      settle_failure_ = std::current_exception();  // rethrown by join_settling on the worker's thread
    }
  });
}

void DeliveryWorker::join_settling() {
  if (settling_.joinable()) settling_.join();
  if (settle_failure_) std::rethrow_exception(std::exchange(settle_failure_, nullptr));
}

bool DeliveryWorker::remove_delivered(const Round& round) {
  Items delivered;
  for (std::size_t i = 0; i < round.bundles.size(); ++i) {
    if (round.attempts[i].sent != Sent::Delivered) continue;
    delivered.insert(delivered.end(), round.bundles[i].begin(), round.bundles[i].end());
    audit_delivery(round.bundles[i], round.attempts[i].status, {});
  }
  if (delivered.empty()) return false;
  acknowledge(delivered, round);  // one write for every acknowledged Bundle of the round
  return true;
}

void DeliveryWorker::settle(Round& round) {
  const std::vector<Items>& bundles = round.bundles;
  const std::vector<Attempt>& attempts = round.attempts;
  const std::vector<storage::OutboxItem>& rows = round.rows;
  unreachable_ = false;
  if (remove_delivered(round)) {
    peer_failures_ = 0;
    set_peer_error({});
  }
  std::int64_t wait_ms = 0;  // the whole peer waits (busy or unreachable)
  for (std::size_t i = 0; i < bundles.size(); ++i) {
    const Attempt& a = attempts[i];
    switch (a.sent) {
      case Sent::Delivered: break;
      case Sent::PeerBusy:
        set_peer_error(a.error);
        metrics_.failed(peer_.name);
        ++peer_failures_;
        wait_ms = std::max(wait_ms, a.retry_after_ms > 0 ? a.retry_after_ms : backoff(peer_failures_));
        break;
      case Sent::Unreachable: {
        std::vector<storage::OutboxItem> its_rows;
        for (const std::size_t row : round.rows_covered_by(bundles[i])) its_rows.push_back(rows[row]);
        wait_ms = std::max(wait_ms, peer_unreachable(its_rows, a.error));
        break;
      }
      case Sent::Refused:
        if (wait_ms > 0 || stop_) break;  // the peer is waited for first; the rows stay due
        peer_failures_ = 0;
        if (bundles[i].size() == 1) {
          fail_one(*bundles[i].front(), a.error);
          acknowledge({}, round);  // older coalesced versions are superseded by the one that failed
        } else if (!send_each(bundles[i], round)) {
          wait_ms = std::max<std::int64_t>(wait_ms, 1);  // send_each already waited
        }
        break;
    }
  }
  if (wait_ms > 1) sleep_for(wait_ms);
}

std::int64_t DeliveryWorker::peer_unreachable(const std::vector<storage::OutboxItem>& rows, const std::string& error) {
  unreachable_ = true;
  set_peer_error(error);
  metrics_.failed(peer_.name);
  if (++peer_failures_ == 1) log_("outbox_peer_unreachable", peer_.name + ": " + error);
  give_up_if_old(rows, error);
  return backoff(peer_failures_);
}

// One entry spoils the transaction for all: send each on its own.
bool DeliveryWorker::send_each(const Items& items, const Round& round) {
  for (const storage::OutboxItem* item : items) {
    if (stop_) return true;
    const Attempt one = send({item});
    if (one.sent == Sent::Delivered) {
      acknowledge({item}, round);
      audit_delivery({item}, one.status, {});
    } else if (one.sent == Sent::Refused) {
      fail_one(*item, one.error);
    } else {
      metrics_.failed(peer_.name);
      sleep_for(one.retry_after_ms > 0 ? one.retry_after_ms : backoff(++peer_failures_));
      return false;
    }
  }
  return true;
}

std::vector<DeliveryWorker::Attempt> DeliveryWorker::send_all(std::vector<Items> bundles) {
  Round round;
  round.bundles = std::move(bundles);
  launch(round);
  finish(round);
  return std::move(round.attempts);
}

void DeliveryWorker::launch(Round& round) {
  std::vector<Attempt>& attempts = round.attempts;
  attempts.assign(round.bundles.size(), Attempt{});
  // return=minimal: only each entry's status is read, so the peer need not send every stored resource back.
  std::vector<std::pair<std::string, std::string>> headers = {
      {"X-Fhirgw-Peer", node_}, {"X-Source-System", node_}, {"Prefer", "return=minimal"}};
  if (token_) {
    auto t = token_->get(now_ms() / 1000);
    if (!t) {
      for (Attempt& a : attempts) {
        a.sent = Sent::Unreachable;
        a.error = t.error().reason;
      }
      return;
    }
    headers.emplace_back("Authorization", "Bearer " + *t);
  }
  for (Attempt& a : attempts) a.bundle_id = new_bundle_identifier(rng_);
  const std::string target = url_.path.empty() ? "/" : url_.path;
  // Each Bundle on its own thread and connection; the round (and so `attempts` and the Bundles) outlives
  // the threads: finish() or ~Round joins them.
  auto post = [this, &round, headers, target](std::size_t i) {
    Attempt& a = round.attempts[i];
    const Items& items = round.bundles[i];
    const auto ex = clients_[i]->post(target, "application/fhir+json", transaction_bundle(items, a.bundle_id), headers);
    if (!ex.sent) {
      a.sent = Sent::Unreachable;
      a.error = ex.error;
      return;
    }
    a.status = ex.status;
    const bool lone_delete = items.size() == 1 && items.front()->deleted;
    if ((ex.status >= 200 && ex.status < 300) || (lone_delete && (ex.status == 404 || ex.status == 410))) {
      a.sent = Sent::Delivered;
    } else if (ex.status == 429 || ex.status == 503) {
      a.sent = Sent::PeerBusy;
      a.retry_after_ms = retry_after_wait_ms(ex.retry_after, now_ms()).value_or(0);
      a.error = error_reason(ex.status, ex.body);
    } else if (ex.status == 401) {
      a.sent = Sent::PeerBusy;  // not the resources' fault: our credentials
      a.error = error_reason(ex.status, ex.body);
    } else {
      a.sent = Sent::Refused;
      a.error = error_reason(ex.status, ex.body);
    }
  };
  for (std::size_t i = 0; i < round.bundles.size(); ++i) round.posting.emplace_back(post, i);
}

void DeliveryWorker::finish(Round& round) {
  round.join();
  // With a token, a 401 means it should be fetched again on the next try.
  if (token_ &&
      std::any_of(round.attempts.begin(), round.attempts.end(), [](const Attempt& a) { return a.status == 401; })) {
    token_->invalidate();
  }
}

std::vector<std::size_t> DeliveryWorker::Round::rows_covered_by(const Items& items) const {
  std::vector<std::size_t> covered;
  if (items.empty()) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (newest[i] != i) covered.push_back(i);
    }
    return covered;
  }
  std::vector<bool> sent(rows.size(), false);
  for (const storage::OutboxItem* item : items) sent[static_cast<std::size_t>(item - rows.data())] = true;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (sent[newest[i]]) covered.push_back(i);
  }
  return covered;
}

void DeliveryWorker::acknowledge(const Items& sent, const Round& round) {
  const std::int64_t now = now_ms();
  for (const auto* s : sent) {
    metrics_.delivered(peer_.name, static_cast<double>(std::max<std::int64_t>(now - s->created_ms, 0)) / 1000.0);
  }
  std::vector<std::int64_t> seqs;
  for (const std::size_t row : round.rows_covered_by(sent)) seqs.push_back(round.rows[row].seq);
  store_.outbox_delivered(seqs);
}

void DeliveryWorker::give_up_if_old(const std::vector<storage::OutboxItem>& items, const std::string& error) {
  const std::int64_t now = now_ms();
  for (const auto& r : items) {
    if (now - r.created_ms <= peer_.max_age_ms) continue;
    store_.outbox_dead_letter(r.seq, now, error + " (undelivered after max_age)");
    metrics_.dead_lettered(peer_.name);
  }
}

void DeliveryWorker::fail_one(const storage::OutboxItem& item, const std::string& error) {
  metrics_.failed(peer_.name);
  const std::int64_t now = now_ms();
  const int attempts = item.attempts + 1;
  if (attempts >= peer_.max_attempts || now - item.created_ms > peer_.max_age_ms) {
    store_.outbox_dead_letter(item.seq, now, error);
    metrics_.dead_lettered(peer_.name);
    audit_delivery({&item}, 0,
                   "forwarding to " + peer_.name + " gave up after " + std::to_string(attempts) + " attempts");
    log_("outbox_dead_letter", peer_.name + ": " + item.type + " after " + std::to_string(attempts) + " attempts");
  } else {
    store_.outbox_failed(item.seq, now + backoff(attempts), error);
  }
}

// One AuditEvent per delivery (a transaction towards the peer; agent = this gateway, address = the
// peer) or per dead letter (serious failure). References only, never content or the peer's reason text.
void DeliveryWorker::audit_delivery(const std::vector<const storage::OutboxItem*>& items, int status,
                                    const std::string& failure) {
  if (!audit_) return;
  audit::AuditRecord r;
  r.type = audit::EventType::rest;
  r.interaction = "transaction";
  r.outcome = failure.empty() ? audit::outcome_for_status(status) : audit::Outcome::serious_failure;
  r.outcome_text = failure;
  r.client_id = node_;
  r.network_address = url_.host;
  r.entities.reserve(items.size());
  for (const auto* i : items) {
    r.entities.push_back(audit::Entity::of_version(i->type, i->id, i->version, i->deleted ? "delete" : "update"));
    r.entities.back().rid = i->rid;  // read with the row: its entity index row needs no lookup
  }
  if (!audit_->record(std::move(r))) log_("outbox_audit_dropped", peer_.name);
}

std::int64_t DeliveryWorker::backoff(int failures) {
  const int doublings = std::clamp(failures - 1, 0, 30);
  const double base = std::min<double>(static_cast<double>(peer_.backoff_ms) * static_cast<double>(1LL << doublings),
                                       static_cast<double>(peer_.max_backoff_ms));
  std::uniform_real_distribution<double> jitter(0.5, 1.5);
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(base * jitter(rng_)));
}

std::string DeliveryWorker::peer_error() const {
  std::lock_guard lock(mutex_);
  return peer_error_;
}

void DeliveryWorker::set_peer_error(std::string error) {
  std::lock_guard lock(mutex_);
  peer_error_ = std::move(error);
}

void DeliveryWorker::sleep_for(std::int64_t ms) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stop_.load(); });
}

}  // namespace fhirgw::outbox
