#pragma once
// UTF-8 validation for RFC 6455 §5.6 (text messages) and §5.5.1 (close
// reasons). Internal to chat::websocket; exposed only to the unit tests.

#include <string_view>

namespace chat::websocket::detail {

/// True when `bytes` is well-formed UTF-8 as RFC 3629 §4 defines it: no
/// overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF,
/// no truncated sequence at the end. The empty string is valid.
/// Reentrant, never throws.
bool is_valid_utf8(std::string_view bytes) noexcept;

}  // namespace chat::websocket::detail
