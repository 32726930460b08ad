// Base64url without padding (RFC 7515 §2), as JOSE uses it. Decoding is strict: only the URL-safe
// alphabet, no padding, no whitespace, and the unused trailing bits must be zero (one encoding per value).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::auth {

std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace fhirgw::auth
