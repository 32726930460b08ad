#include "key_table.h"

#include <algorithm>
#include <functional>

namespace fhir::mappings {

void KeyTable::reserve(std::size_t keys) {
  std::size_t n = 16;
  while (n < keys * 2) n *= 2;
  if (n <= slots_.size()) return;
  std::pmr::vector<Slot> old_slots(n, Slot{}, slots_.get_allocator());
  std::pmr::vector<std::string_view> old_keys(n, std::string_view{}, keys_.get_allocator());
  old_slots.swap(slots_);
  old_keys.swap(keys_);
  for (std::size_t i = 0; i < old_slots.size(); ++i) {
    if (old_slots[i].tag == 0) continue;
    const std::size_t at = slot_for(old_keys[i], hash_text(old_keys[i]));
    slots_[at] = old_slots[i];
    keys_[at] = old_keys[i];
  }
}

std::size_t KeyTable::slot_for(std::string_view key, std::size_t hash) const noexcept {
  const std::size_t mask = slots_.size() - 1;
  const std::uint32_t tag = tag_of(hash);
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.tag == 0 || (s.tag == tag && keys_[i] == key)) return i;
  }
}

void KeyTable::apply(std::string_view key, std::size_t hash, std::uint32_t value) {
  if ((count_ + 1) * 2 > slots_.size()) reserve(std::max<std::size_t>(count_ + 1, slots_.size()));
  const std::size_t at = slot_for(key, hash);
  if (slots_[at].tag == 0) {
    ++count_;
    slots_[at].tag = tag_of(hash);
    keys_[at] = key;
  }
  slots_[at].value = value;
}

void KeyTable::flush() {
  for (; applied_ < puts_; ++applied_) {
    const Put& p = waiting_[applied_ % kDelay];
    apply(p.key, p.hash, p.value);
  }
}

void KeyTable::put(std::string_view key, std::uint32_t value) {
  if (puts_ - applied_ == kDelay) {
    const Put& p = waiting_[applied_++ % kDelay];
    apply(p.key, p.hash, p.value);
  }
  const std::size_t hash = hash_text(key);
  if (!slots_.empty()) __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
  waiting_[puts_++ % kDelay] = Put{key, hash, value};
}

std::uint32_t KeyTable::get(std::string_view key) noexcept {
  flush();
  if (slots_.empty()) return kNone;
  const Slot& s = slots_[slot_for(key, hash_text(key))];
  return s.tag != 0 ? s.value : kNone;
}

void TextSet::insert(std::string_view text) {
  char* copy = static_cast<char*>(arena_->allocate(text.size() + 1, 1));
  text.copy(copy, text.size());
  table_.put({copy, text.size()}, 0);
}

}  // namespace fhir::mappings
