#include "websocket/detail/utf8.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace chat::websocket::detail {

bool is_valid_utf8(std::string_view bytes) noexcept {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t n = bytes.size();
    std::size_t i = 0;

    while (i < n) {
        // Chat text is mostly ASCII: skip it eight bytes at a time. memcpy
        // keeps the load legal at any alignment and compiles to one move.
        while (i + 8 <= n) {
            std::uint64_t word;
            std::memcpy(&word, p + i, sizeof word);
            if ((word & 0x8080808080808080ULL) != 0) break;
            i += 8;
        }
        if (i >= n) break;

        const unsigned char lead = p[i];
        if (lead < 0x80) {
            ++i;
            continue;
        }

        // RFC 3629 §4 syntax. The first continuation byte's range depends on
        // the lead byte; narrowing it there is what refuses overlong forms
        // (E0, F0), surrogates (ED) and code points past U+10FFFF (F4).
        std::size_t length;
        unsigned char low = 0x80;
        unsigned char high = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            if (lead == 0xE0) low = 0xA0;
            if (lead == 0xED) high = 0x9F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            if (lead == 0xF0) low = 0x90;
            if (lead == 0xF4) high = 0x8F;
        } else {
            return false;  // stray continuation byte, C0/C1 (always overlong), F5..FF
        }

        if (n - i < length) return false;
        if (p[i + 1] < low || p[i + 1] > high) return false;
        for (std::size_t k = 2; k < length; ++k) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
        }
        i += length;
    }
    return true;
}

}  // namespace chat::websocket::detail
