#include "html_checks.h"

#include <array>
#include <vector>

namespace fhir::fhirpath::detail {
namespace {

constexpr std::string_view kAllowedElements[] = {
#define FHIR_XHTML_ELEMENT(name) name,
#include "narrative_xhtml_rules.inc"
#undef FHIR_XHTML_ELEMENT
};
constexpr std::string_view kAllowedAttributes[] = {
#define FHIR_XHTML_ATTRIBUTE(name) name,
#include "narrative_xhtml_rules.inc"
#undef FHIR_XHTML_ATTRIBUTE
};
constexpr std::string_view kXhtmlNamespace = "http://www.w3.org/1999/xhtml";

template <std::size_t N>
bool listed(const std::string_view (&list)[N], std::string_view name) {
  for (auto x : list) {
    if (x == name) return true;
  }
  return false;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == ':' || c == '.' || static_cast<unsigned char>(c) >= 0x80;
}

std::string_view local_name(std::string_view qname) {
  auto colon = qname.find(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

class Checker {
 public:
  explicit Checker(std::string_view s) : s_(s) {}

  NarrativeCheck run() {
    skip_space();
    if (!starts("<")) return fail("the narrative must start with a <div> element");
    if (!element(true)) return result_;
    skip_space();
    if (i_ != s_.size()) return fail("content after the root <div> element");
    if (!has_content_) return fail("the narrative has no non-whitespace content");
    return result_;
  }

 private:
  NarrativeCheck fail(std::string problem) {
    if (result_.ok) {
      result_.ok = false;
      result_.problem = std::move(problem);
      result_.offset = i_;
    }
    return result_;
  }
  bool starts(std::string_view p) const { return s_.substr(i_, p.size()) == p; }
  void skip_space() {
    while (i_ < s_.size() && is_space(s_[i_])) ++i_;
  }
  std::string_view name() {
    std::size_t b = i_;
    while (i_ < s_.size() && is_name_char(s_[i_])) ++i_;
    return s_.substr(b, i_ - b);
  }

  bool entity() {
    // at '&'
    auto end = s_.find(';', i_);
    if (end == std::string_view::npos || end - i_ > 32 || end == i_ + 1) {
      fail("malformed character reference");
      return false;
    }
    i_ = end + 1;
    return true;
  }

  // Parses one element starting at '<'; iterative over nesting with an explicit stack.
  bool element(bool root) {
    std::vector<std::string_view> open;
    bool first = root;
    while (true) {
      if (!starts("<")) {
        fail("expected an element");
        return false;
      }
      ++i_;
      std::string_view tag = name();
      if (tag.empty()) {
        fail("malformed start tag");
        return false;
      }
      std::string_view local = local_name(tag);
      if (first && local != "div") {
        fail("the root element must be <div>");
        return false;
      }
      if (!listed(kAllowedElements, local)) {
        fail("element <" + std::string(tag) + "> is not allowed in a narrative");
        return false;
      }
      if (local == "img") has_content_ = true;
      bool has_ns = false;
      bool self_closing = false;
      while (true) {
        skip_space();
        if (starts("/>")) {
          i_ += 2;
          self_closing = true;
          break;
        }
        if (starts(">")) {
          ++i_;
          break;
        }
        std::string_view attr = name();
        if (attr.empty()) {
          fail("malformed attribute in <" + std::string(tag) + ">");
          return false;
        }
        skip_space();
        if (!starts("=")) {
          fail("attribute '" + std::string(attr) + "' has no value");
          return false;
        }
        ++i_;
        skip_space();
        if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) {
          fail("attribute '" + std::string(attr) + "' value must be quoted");
          return false;
        }
        char q = s_[i_++];
        auto end = s_.find(q, i_);
        if (end == std::string_view::npos) {
          fail("unterminated attribute value");
          return false;
        }
        std::string_view value = s_.substr(i_, end - i_);
        if (value.find('<') != std::string_view::npos) {
          fail("'<' in an attribute value");
          return false;
        }
        i_ = end + 1;
        if (attr == "xmlns" || attr.starts_with("xmlns:")) {
          if (value == kXhtmlNamespace) has_ns = true;
        }
        if (!listed(kAllowedAttributes, attr)) {
          fail("attribute '" + std::string(attr) + "' is not allowed in a narrative");
          return false;
        }
      }
      if (first && !has_ns) {
        fail("the root <div> must declare xmlns=\"http://www.w3.org/1999/xhtml\"");
        return false;
      }
      first = false;
      if (!self_closing) {
        if (open.size() >= 256) {
          fail("narrative nested too deeply");
          return false;
        }
        open.push_back(tag);
      }
      // content until the next start tag or until the stack is closed
      while (!open.empty()) {
        if (i_ >= s_.size()) {
          fail("unclosed element <" + std::string(open.back()) + ">");
          return false;
        }
        char c = s_[i_];
        if (c == '<') {
          if (starts("</")) {
            i_ += 2;
            std::string_view end_tag = name();
            skip_space();
            if (end_tag != open.back() || !starts(">")) {
              fail("mismatched end tag </" + std::string(end_tag) + ">, expected </" + std::string(open.back()) + ">");
              return false;
            }
            ++i_;
            open.pop_back();
            continue;
          }
          if (starts("<!--")) {
            auto end = s_.find("-->", i_ + 4);
            if (end == std::string_view::npos) {
              fail("unterminated comment");
              return false;
            }
            i_ = end + 3;
            continue;
          }
          if (starts("<![CDATA[")) {
            auto end = s_.find("]]>", i_ + 9);
            if (end == std::string_view::npos) {
              fail("unterminated CDATA section");
              return false;
            }
            for (std::size_t k = i_ + 9; k < end; ++k) has_content_ |= !is_space(s_[k]);
            i_ = end + 3;
            continue;
          }
          if (starts("<!") || starts("<?")) {
            fail("declarations and processing instructions are not allowed in a narrative");
            return false;
          }
          break;  // child start tag: handled by the outer loop
        }
        if (c == '&') {
          has_content_ = true;
          if (!entity()) return false;
          continue;
        }
        if (c == '>') {
          // a bare '>' is legal XML text
        }
        has_content_ |= !is_space(c);
        ++i_;
      }
      if (open.empty()) return true;
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
  bool has_content_ = false;
  NarrativeCheck result_;
};

}  // namespace

NarrativeCheck check_narrative_xhtml(std::string_view xhtml) { return Checker(xhtml).run(); }

}  // namespace fhir::fhirpath::detail
