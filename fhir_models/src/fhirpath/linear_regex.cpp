#include "linear_regex.h"

#include <array>
#include <bit>

namespace fhir::fhirpath::detail {
namespace {

constexpr std::size_t kMaxAtoms = 511;  // states 0..511 fit the 8 words of LinearRegex::search
constexpr std::uint32_t kUnbounded = 0xFFFFFFFFu;

using Set = std::bitset<256>;

void add_range(Set& set, int first, int last) {
  for (int c = first; c <= last; ++c) set.set(static_cast<std::size_t>(c));
}

// The "C" locale classes std::regex uses for \d, \s, \w.
Set digits() {
  Set s;
  add_range(s, '0', '9');
  return s;
}
Set spaces() {
  Set s;
  for (const char c : {' ', '\t', '\n', '\v', '\f', '\r'}) s.set(static_cast<unsigned char>(c));
  return s;
}
Set word_chars() {
  Set s = digits();
  add_range(s, 'a', 'z');
  add_range(s, 'A', 'Z');
  s.set('_');
  return s;
}

// The character of a one-character set, -1 for any other set.
int only_char(const Set& s) {
  if (s.count() != 1) return -1;
  int c = 0;
  while (!s.test(static_cast<std::size_t>(c))) ++c;
  return c;
}

bool is_ascii_punct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

// The set of the escape "\c" (class escapes, control escapes, escaped punctuation); false if unsupported
// (\b, \B, back references, \x, \u, \c, \0 and escaped letters other than these stay with std::regex).
bool escape_set(char c, Set& out) {
  switch (c) {
    case 'd': out = digits(); return true;
    case 'D': out = ~digits(); return true;
    case 's': out = spaces(); return true;
    case 'S': out = ~spaces(); return true;
    case 'w': out = word_chars(); return true;
    case 'W': out = ~word_chars(); return true;
    case 'n':
      out.reset();
      out.set('\n');
      return true;
    case 'r':
      out.reset();
      out.set('\r');
      return true;
    case 't':
      out.reset();
      out.set('\t');
      return true;
    case 'f':
      out.reset();
      out.set('\f');
      return true;
    case 'v':
      out.reset();
      out.set('\v');
      return true;
    default: break;
  }
  if (!is_ascii_punct(c)) return false;
  out.reset();
  out.set(static_cast<unsigned char>(c));
  return true;
}

class PatternParser {
 public:
  explicit PatternParser(std::string_view p) : p_(p) {}

  bool done() const { return pos_ >= p_.size(); }
  char peek() const { return p_[pos_]; }
  bool eat(char c) {
    if (done() || p_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  // One atom: literal byte, escape, '.', or a bracket class.
  bool atom(Set& out) {
    const char c = p_[pos_++];
    if (c == '.') {
      out.set();
      out.reset('\n');
      out.reset('\r');
      return true;
    }
    if (c == '\\') return !done() && escape_set(p_[pos_++], out);
    if (c == '[') return bracket(out);
    switch (c) {
      case '(':
      case ')':
      case ']':
      case '{':
      case '}':
      case '*':
      case '+':
      case '?':
      case '|':
      case '^':
      case '$': return false;
      default:
        out.reset();
        out.set(static_cast<unsigned char>(c));
        return true;
    }
  }

  // Quantifier after an atom (none = {1,1}); a trailing '?' (lazy) does not change whether a match exists.
  bool quantifier(std::uint32_t& min, std::uint32_t& max) {
    min = max = 1;
    if (eat('*'))
      min = 0, max = kUnbounded;
    else if (eat('+'))
      max = kUnbounded;
    else if (eat('?'))
      min = 0;
    else if (eat('{')) {
      if (!number(min)) return false;
      max = min;
      if (eat(',')) {
        max = kUnbounded;
        if (!done() && peek() != '}' && !number(max)) return false;
      }
      if (!eat('}') || min > max) return false;
    } else {
      return true;
    }
    eat('?');
    return true;
  }

  // A group "( ... )" followed by '*' or '?': it may match nothing. Its content is not interpreted.
  bool nullable_group() {
    if (!eat('(')) return false;
    if (!done() && peek() == '?' && !(pos_ + 1 < p_.size() && p_[pos_ + 1] == ':')) return false;  // lookaround
    int depth = 1;
    bool in_class = false;
    while (!done() && depth > 0) {
      const char c = p_[pos_++];
      if (c == '\\') {
        if (done()) return false;
        ++pos_;
      } else if (in_class) {
        in_class = c != ']';
      } else if (c == '[') {
        in_class = true;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        --depth;
      }
    }
    if (depth != 0) return false;
    if (!eat('*') && !eat('?')) return false;
    eat('?');
    return true;
  }

 private:
  bool number(std::uint32_t& out) {
    out = 0;
    const std::size_t start = pos_;
    while (!done() && peek() >= '0' && peek() <= '9' && pos_ - start < 6) out = out * 10 + (p_[pos_++] - '0');
    return pos_ > start && (done() || peek() < '0' || peek() > '9');
  }

  // After '[': items up to ']'. Ranges between single ASCII characters; '-' first or last is literal.
  bool bracket(Set& out) {
    out.reset();
    const bool negate = eat('^');
    if (done() || peek() == ']') return false;  // "[]" and "[^]" differ between dialects
    bool first = true;
    while (!done() && peek() != ']') {
      int lo = -1;  // a single character (range endpoint candidate), -1 for a class escape
      Set item;
      const char c = p_[pos_++];
      if (c == '[') return false;  // "[:alpha:]" and friends
      if (c == '\\') {
        if (done() || !escape_set(p_[pos_++], item)) return false;
        lo = only_char(item);
      } else if (c == '-' && !first && !(pos_ < p_.size() && p_[pos_] == ']')) {
        return false;  // a dash in the middle that is not part of a range
      } else {
        lo = static_cast<unsigned char>(c);
        item.set(static_cast<std::size_t>(lo));
      }
      first = false;
      if (lo >= 0 && pos_ + 1 < p_.size() && p_[pos_] == '-' && p_[pos_ + 1] != ']') {
        ++pos_;
        int hi = -1;
        const char d = p_[pos_++];
        if (d == '\\') {
          Set end;
          if (done() || !escape_set(p_[pos_++], end)) return false;
          hi = only_char(end);
          if (hi < 0) return false;
        } else if (d == '[') {
          return false;
        } else {
          hi = static_cast<unsigned char>(d);
        }
        if (lo >= 0x80 || hi >= 0x80 || lo > hi) return false;  // std::regex compares signed chars
        add_range(item, lo, hi);
      }
      out |= item;
    }
    if (!eat(']')) return false;
    if (negate) out.flip();
    return true;
  }

  std::string_view p_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<LinearRegex> LinearRegex::compile(std::string_view pattern) {
  LinearRegex re;
  PatternParser p(pattern);
  re.anchored_start_ = p.eat('^');
  bool dropped_group = false;
  while (!p.done()) {
    if (p.peek() == '$') {
      p.eat('$');
      if (!p.done() || dropped_group) return std::nullopt;
      re.anchored_end_ = true;
      break;
    }
    if (p.peek() == '(') {
      if (!p.nullable_group()) return std::nullopt;
      dropped_group = true;
      continue;
    }
    if (dropped_group) return std::nullopt;  // only nullable groups may follow a dropped one
    Atom atom;
    std::uint32_t min = 1, max = 1;
    if (!p.atom(atom.set) || !p.quantifier(min, max)) return std::nullopt;
    const std::uint32_t copies = max == kUnbounded ? min + 1 : max;
    if (re.atoms_.size() + copies > kMaxAtoms) return std::nullopt;
    for (std::uint32_t i = 0; i < min; ++i) re.atoms_.push_back(atom);
    if (max == kUnbounded) {
      atom.repeat = Repeat::Star;
      re.atoms_.push_back(atom);
    } else {
      atom.repeat = Repeat::Optional;
      for (std::uint32_t i = min; i < max; ++i) re.atoms_.push_back(atom);
    }
  }
  // Search semantics: with an open end, atoms that may match nothing at the end do not change the verdict.
  if (!re.anchored_end_) {
    while (!re.atoms_.empty() && re.atoms_.back().repeat != Repeat::One) re.atoms_.pop_back();
  }
  for (std::size_t k = 0; k < re.atoms_.size(); ++k)
    if (re.atoms_[k].repeat != Repeat::One) re.skippable_.push_back(static_cast<std::uint16_t>(k));
  return re;
}

namespace {
using Words = std::array<std::uint64_t, 8>;
}  // namespace

bool LinearRegex::search(std::string_view subject) const {
  const std::size_t n = atoms_.size();
  auto test = [](const Words& w, std::size_t k) { return ((w[k >> 6] >> (k & 63)) & 1u) != 0; };
  auto set = [](Words& w, std::size_t k) { w[k >> 6] |= std::uint64_t{1} << (k & 63); };
  // Adds the states reachable without input: edges only go forward, so one ascending pass suffices.
  auto close = [&](Words& w) {
    for (const std::uint16_t k : skippable_)
      if (test(w, k)) set(w, k + 1u);
  };
  const std::size_t words = n / 64 + 1;
  Words current{};
  set(current, 0);
  close(current);
  if (!anchored_end_ && test(current, n)) return true;
  for (const char ch : subject) {
    const auto c = static_cast<unsigned char>(ch);
    Words next;
    for (std::size_t w = 0; w < words; ++w) next[w] = 0;
    bool live = false;
    for (std::size_t w = 0; w < words; ++w) {
      for (std::uint64_t bits = current[w]; bits != 0; bits &= bits - 1) {
        const std::size_t k = w * 64 + static_cast<std::size_t>(std::countr_zero(bits));
        if (k == n || !atoms_[k].set.test(c)) continue;
        set(next, atoms_[k].repeat == Repeat::Star ? k : k + 1);
        live = true;
      }
    }
    if (!anchored_start_)
      set(next, 0);
    else if (!live)
      return false;
    close(next);
    for (std::size_t w = 0; w < words; ++w) current[w] = next[w];
    if (!anchored_end_ && test(current, n)) return true;
  }
  return test(current, n);
}

}  // namespace fhir::fhirpath::detail
