// libFuzzer target for the strict JSON layer alone: parse -> write -> re-parse must give an equal tree,
// and line/column of errors must lie inside the input. The compact read-only parser (json::parse_compact, both
// overloads) must accept and refuse exactly what json::parse does, with the same error, and build the same tree.
// Both parsers try the strict scanner first and fall back to the RapidJSON-based reference parser: whatever the
// scanner accepts, the reference must accept with the same tree and offsets, and whatever the reference accepts,
// the scanner must accept too (unless it declined a number only the reference can judge). The streaming read
// (json::stream_compact_items over root.entry) accepts exactly what the scanner accepts and hands out the items
// of the whole tree, in order, each re-parsing from its range to the same value, the rest kept in the envelope.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhir/json/compact.h"
#include "fhir/json/parser.h"
#include "fhir/json/writer.h"

namespace {

[[noreturn]] void fail(const char* what, std::string_view text) {
  std::fprintf(stderr, "fuzz_json: %s on input of %zu bytes\n", what, text.size());
  std::abort();
}

// parse_compact (copying and moving overloads) against json::parse on the same text.
void check_compact_agrees(std::string_view text, const fhir::json::ParseResult& parsed) {
  const fhir::json::CompactParseResult copied = fhir::json::parse_compact(text);
  const fhir::json::CompactParseResult moved = fhir::json::parse_compact(std::string(text));
  for (const fhir::json::CompactParseResult* compact : {&copied, &moved}) {
    if (static_cast<bool>(*compact) != static_cast<bool>(parsed)) fail("parse_compact and parse disagree", text);
    if (!parsed) {
      const fhir::json::ParseError& a = *compact->error;
      const fhir::json::ParseError& b = *parsed.error;
      if (a.message != b.message || a.offset != b.offset || a.location.line != b.location.line ||
          a.location.column != b.location.column) {
        fail("parse_compact reports another error than parse", text);
      }
      continue;
    }
    if (!(compact->document->root().to_node() == parsed.document->root())) {
      fail("parse_compact built another tree than parse", text);
    }
  }
}

// Same kinds, texts, keys and offsets everywhere in the two trees.
bool same_tree(const fhir::json::CompactNode& a, const fhir::json::CompactNode& b) {
  if (a.kind() != b.kind() || a.offset() != b.offset() || a.key() != b.key() || a.text() != b.text() ||
      a.size() != b.size()) {
    return false;
  }
  const auto ca = a.is_object() ? a.members() : a.items();
  const auto cb = b.is_object() ? b.members() : b.items();
  for (std::size_t i = 0; i < ca.size(); ++i)
    if (!same_tree(ca[i], cb[i])) return false;
  return true;
}

// Same offsets everywhere in two equal json::Node trees (operator== ignores offsets).
bool same_offsets(const fhir::json::Node& a, const fhir::json::Node& b) {
  if (a.offset() != b.offset() || a.members().size() != b.members().size() || a.items().size() != b.items().size())
    return false;
  for (std::size_t i = 0; i < a.members().size(); ++i)
    if (!same_offsets(a.members()[i].value, b.members()[i].value)) return false;
  for (std::size_t i = 0; i < a.items().size(); ++i)
    if (!same_offsets(a.items()[i], b.items()[i])) return false;
  return true;
}

// json::parse (scanner first) against the reference parser alone: same result, tree, offsets and error.
void check_parse_agrees_with_reference(std::string_view text, const fhir::json::ParseResult& parsed) {
  const fhir::json::ParseResult reference = fhir::json::detail::parse_reference(text);
  if (static_cast<bool>(parsed) != static_cast<bool>(reference)) fail("parse and the reference parser disagree", text);
  if (!parsed) {
    if (parsed.error->message != reference.error->message || parsed.error->offset != reference.error->offset)
      fail("parse reports another error than the reference parser", text);
    return;
  }
  if (!(parsed.document->root() == reference.document->root()) ||
      !same_offsets(parsed.document->root(), reference.document->root())) {
    fail("parse built another tree than the reference parser", text);
  }
}

// The scanner alone against the reference parser alone.
void check_scanner_agrees(std::string_view text) {
  using fhir::json::detail::ScanResult;
  const fhir::json::detail::CompactScan scanned = fhir::json::detail::scan_compact_only(text);
  const fhir::json::CompactParseResult reference = fhir::json::detail::parse_compact_reference(text);
  switch (scanned.result) {
    case ScanResult::Accepted:
      if (!reference) fail("the scanner accepts a text the reference parser refuses", text);
      if (!same_tree(scanned.document->root(), reference.document->root()))
        fail("the scanner built another tree than the reference parser", text);
      break;
    case ScanResult::Refused:
      if (reference) fail("the scanner refuses a text the reference parser accepts", text);
      break;
    case ScanResult::Declined: break;
  }
}

// On a text the scanner accepts, skimming the members a filter leaves out (skim_left_out) hands out exactly the
// items, ranges included, that reading them does.
void check_skim_agrees(const std::string& text) {
  auto items_of = [&](bool skim, bool& accepted) {
    fhir::json::CompactStreamOptions options;
    options.keep = [](std::size_t depth, std::string_view key) { return depth == 1 || key.size() % 2 == 0; };
    options.skim_left_out = skim;
    std::vector<std::pair<fhir::json::Node, std::pair<std::uint32_t, std::uint32_t>>> items;
    fhir::json::CompactDocument envelope;
    accepted = fhir::json::stream_compact_items(
        text, "entry",
        [&](const fhir::json::CompactNode& item, std::uint32_t begin, std::uint32_t end) {
          items.emplace_back(item.to_node(), std::make_pair(begin, end));
        },
        envelope, options);
    return items;
  };
  bool read = false, skimmed = false;
  const auto expected = items_of(false, read);
  const auto got = items_of(true, skimmed);
  if (!read) return;  // a duplicate key in a member the filter keeps: not the skim's business
  if (!skimmed) fail("skimming refuses a text the scanner accepts", text);
  if (got != expected) fail("skimming hands out other items than reading", text);
}

// stream_compact_items against the scanner and the whole tree.
void check_stream_agrees(std::string_view text, const fhir::json::ParseResult& parsed) {
  const std::string owned(text);
  std::vector<fhir::json::Node> items;
  bool slices_agree = true;
  fhir::json::CompactDocument envelope;
  const bool accepted = fhir::json::stream_compact_items(
      owned, "entry",
      [&](const fhir::json::CompactNode& item, std::uint32_t begin, std::uint32_t end) {
        items.push_back(item.to_node());
        const fhir::json::CompactParseResult again = fhir::json::parse_compact_slice(owned, begin, end);
        slices_agree = slices_agree && again && again.document->root().to_node() == items.back();
      },
      envelope);
  const bool scanner_accepts =
      fhir::json::detail::scan_compact_only(text).result == fhir::json::detail::ScanResult::Accepted;
  if (accepted != scanner_accepts) fail("the stream and the scanner disagree", text);
  if (!accepted) return;
  if (!parsed) fail("the stream accepts a text parse refuses", text);
  if (!slices_agree) fail("an item's range re-parses to another value", text);
  fhir::json::Node whole = parsed.document->root();
  std::vector<fhir::json::Node> expected;
  if (fhir::json::Node* entries = whole.is_object() ? whole.find("entry") : nullptr; entries && entries->is_array()) {
    for (const fhir::json::Node& item : entries->items())
      if (!item.is_primitive()) expected.push_back(item);
    *entries = fhir::json::Node::array();
  }
  if (items.size() != expected.size()) fail("the stream handed out other items than the tree has", text);
  for (std::size_t i = 0; i < items.size(); ++i)
    if (!(items[i] == expected[i])) fail("a streamed item differs from the tree's", text);
  if (!(envelope.root().to_node() == whole))
    fail("the stream's envelope differs from the tree without its items", text);
  check_skim_agrees(owned);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const fhir::json::ParseResult parsed = fhir::json::parse(text);
  check_scanner_agrees(text);
  check_parse_agrees_with_reference(text, parsed);
  check_compact_agrees(text, parsed);
  check_stream_agrees(text, parsed);
  if (!parsed) {
    if (!parsed.error || parsed.error->offset > size) {
      std::fprintf(stderr, "fuzz_json: error offset %zu outside input of %zu bytes\n",
                   parsed.error ? parsed.error->offset : 0, size);
      std::abort();
    }
    return 0;
  }
  for (const bool pretty : {false, true}) {
    const std::string written = fhir::json::to_string(parsed.document->root(), {.pretty = pretty});
    const fhir::json::ParseResult reparsed = fhir::json::parse(written);
    if (!reparsed || !(reparsed.document->root() == parsed.document->root())) {
      std::fprintf(stderr, "fuzz_json: round trip failed (pretty=%d):\n%s\n", pretty, written.c_str());
      std::abort();
    }
  }
  return 0;
}
