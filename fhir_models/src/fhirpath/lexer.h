// FHIRPath tokens. The lexer works on the whole expression text up front; tokens view that text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace fhir::fhirpath::detail {

enum class Tok : unsigned char {
  End,
  Identifier,  // plain or `delimited` (text without the backticks, escapes resolved in `value`)
  String,      // 'text' (escapes resolved in `value`)
  Number,      // 12, 1.50 (text)
  DateTime,    // @2020-01-01, @2020-01-01T10:00Z (text without '@')
  Time,        // @T10:00 (text without "@T")
  Variable,    // %name, %`name`, %'name' (name in `value`)
  Special,     // $this, $index, $total (text with '$')
  Punct,       // . , ( ) [ ] { } = != ~ !~ < <= > >= | + - * / &
};

struct Token {
  Tok kind = Tok::End;
  std::string_view text;   // raw source slice
  std::string value;       // decoded value for Identifier/String/Variable
  std::size_t offset = 0;  // byte offset in the source
  bool delimited = false;  // `identifier`: never a keyword
};

struct LexError {
  std::string message;
  std::size_t offset = 0;
};

// Returns false and sets *error on a malformed token (unterminated string, bad escape, stray character).
bool tokenize(std::string_view source, std::vector<Token>& out, LexError* error);

}  // namespace fhir::fhirpath::detail
