#include "websocket/frame.hpp"

#include "core/random.hpp"
#include "websocket/detail/utf8.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <cstring>
#include <new>

namespace chat::websocket {
namespace {

// §1.3 / §4.2.2: the GUID every server appends to the client's key.
constexpr std::string_view handshake_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// §5.2 frame header bits.
constexpr unsigned char fin_bit = 0x80;
constexpr unsigned char rsv_bits = 0x70;
constexpr unsigned char opcode_bits = 0x0F;
constexpr unsigned char mask_bit = 0x80;
constexpr unsigned char length_bits = 0x7F;
constexpr unsigned char length_16 = 126;
constexpr unsigned char length_64 = 127;
constexpr std::size_t mask_key_size = 4;

// §5.5: control frames carry at most 125 bytes and are never fragmented.
constexpr std::size_t max_control_payload = 125;

bool is_control(unsigned char op) noexcept {
    return (op & 0x08) != 0;
}

bool is_known_opcode(unsigned char op) noexcept {
    switch (static_cast<opcode>(op)) {
        case opcode::continuation:
        case opcode::text:
        case opcode::binary:
        case opcode::close:
        case opcode::ping:
        case opcode::pong:
            return true;
    }
    return false;
}

// §7.4.1/§7.4.2: codes a peer may put on the wire. 1004 is reserved, 1005,
// 1006 and 1015 are only for reporting locally, 0-999 and 2000-2999 are unused
// or reserved for extensions; 3000-4999 belong to libraries and applications.
bool is_valid_wire_close_code(std::uint16_t code) noexcept {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
           (code >= 3000 && code <= 4999);
}

std::uint64_t read_big_endian(const unsigned char* p, std::size_t bytes) noexcept {
    std::uint64_t value = 0;
    for (std::size_t k = 0; k < bytes; ++k) value = (value << 8) | p[k];
    return value;
}

// §5.3: payload byte i is XORed with key[i % 4]. Eight bytes at a time with a
// doubled key: the key word is loaded from memory the same way as the data
// word, so this is byte-order independent; memcpy keeps unaligned access legal
// and compiles to plain loads and stores (which the compiler may vectorise).
void unmask(char* data, std::size_t size, const unsigned char* key) noexcept {
    unsigned char doubled[8];
    std::memcpy(doubled, key, mask_key_size);
    std::memcpy(doubled + mask_key_size, key, mask_key_size);
    std::uint64_t key_word;
    std::memcpy(&key_word, doubled, sizeof key_word);

    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, data + i, sizeof word);
        word ^= key_word;
        std::memcpy(data + i, &word, sizeof word);
    }
    // i is a multiple of 8 here, so i % 4 is still the right key index.
    for (; i < size; ++i) data[i] = static_cast<char>(data[i] ^ key[i % mask_key_size]);
}

}  // namespace

std::string accept_key(std::string_view client_key) {
    std::string input;
    input.reserve(client_key.size() + handshake_guid.size());
    input.append(client_key).append(handshake_guid);

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    // Only an allocation failure inside OpenSSL can make a one-shot digest fail.
    if (EVP_Digest(input.data(), input.size(), digest, &digest_size, EVP_sha1(), nullptr) != 1) {
        throw std::bad_alloc();
    }

    char encoded[sodium_base64_ENCODED_LEN(EVP_MAX_MD_SIZE, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(encoded, sizeof encoded, digest, digest_size, sodium_base64_VARIANT_ORIGINAL);
    return std::string(encoded);
}

bool is_valid_client_key(std::string_view key) {
    // base64 of 16 bytes is always 22 characters plus "=="; the strict decoder
    // refuses non-zero trailing bits and missing padding, so only the
    // canonical encoding of a 16-byte nonce gets through.
    constexpr std::size_t encoded_size = 24;
    if (key.size() != encoded_size) return false;
    const auto nonce = core::base64_decode(key);
    return nonce && nonce->size() == 16;
}

std::size_t header_size(std::size_t payload_size) noexcept {
    if (payload_size <= 125) return 2;
    if (payload_size <= 0xFFFF) return 4;
    return 10;
}

void append_frame(std::string& out, opcode op, std::string_view payload) {
    const std::size_t size = payload.size();
    const std::size_t header = header_size(size);
    out.reserve(out.size() + header + size);

    out.push_back(static_cast<char>(fin_bit | static_cast<unsigned char>(op)));
    // §5.2: the minimal length form; the mask bit stays clear because §5.1
    // forbids masking server-to-client frames.
    if (header == 2) {
        out.push_back(static_cast<char>(size));
    } else {
        const std::size_t length_bytes = header == 4 ? 2 : 8;
        out.push_back(static_cast<char>(header == 4 ? length_16 : length_64));
        const auto value = static_cast<std::uint64_t>(size);
        for (std::size_t k = length_bytes; k-- > 0;) {
            out.push_back(static_cast<char>((value >> (8 * k)) & 0xFF));
        }
    }
    out.append(payload);
}

std::string encode_frame(opcode op, std::string_view payload) {
    std::string out;
    append_frame(out, op, payload);
    return out;
}

std::string encode_close(close_code code, std::string_view reason) {
    // §5.5: the whole control payload, code included, fits in 125 bytes.
    constexpr std::size_t max_reason = max_control_payload - 2;
    if (reason.size() > max_reason) {
        // Cut on a code point boundary: §5.5.1 requires the reason to be
        // UTF-8, and a peer would fail the connection on a split sequence.
        std::size_t cut = max_reason;
        while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0) == 0x80) --cut;
        reason = reason.substr(0, cut);
    }
    const auto value = static_cast<std::uint16_t>(code);
    char payload[max_control_payload];
    payload[0] = static_cast<char>(value >> 8);
    payload[1] = static_cast<char>(value & 0xFF);
    std::memcpy(payload + 2, reason.data(), reason.size());
    return encode_frame(opcode::close, std::string_view(payload, 2 + reason.size()));
}

std::optional<message> frame_parser::fail(close_code code, std::string_view why) {
    error_ = code;
    error_message_.assign(why);
    in_fragmented_ = false;
    fragmented_ = std::string();  // give the memory back at once
    return std::nullopt;
}

std::optional<message> frame_parser::next(std::string_view& input) {
    if (error_) return std::nullopt;

    // Each pass handles one whole frame; only a completed message or a control
    // frame leaves the loop with a value.
    for (;;) {
        const auto* p = reinterpret_cast<const unsigned char*>(input.data());
        const std::size_t available = input.size();
        if (available < 2) return std::nullopt;

        // Everything that can be refused from the first two bytes is refused
        // before waiting for more, so a bad peer is cut off early.
        const bool fin = (p[0] & fin_bit) != 0;
        const unsigned char op = p[0] & opcode_bits;
        if ((p[0] & rsv_bits) != 0) {
            // §5.2: RSV1-3 must be 0 unless an extension defines them; we
            // negotiate none (no permessage-deflate).
            return fail(close_code::protocol_error, "reserved bit set without an extension");
        }
        if (!is_known_opcode(op)) {
            return fail(close_code::protocol_error, "unknown opcode");  // §5.2
        }
        if ((p[1] & mask_bit) == 0) {
            return fail(close_code::protocol_error, "unmasked client frame");  // §5.1
        }
        std::uint64_t length = p[1] & length_bits;
        if (is_control(op)) {
            if (!fin) return fail(close_code::protocol_error, "fragmented control frame");  // §5.5
            if (length > max_control_payload) {
                return fail(close_code::protocol_error, "control frame over 125 bytes");  // §5.5
            }
        } else if (static_cast<opcode>(op) == opcode::continuation) {
            if (!in_fragmented_) {
                return fail(close_code::protocol_error, "continuation without a start");  // §5.4
            }
        } else if (in_fragmented_) {
            // §5.4: fragments of one message may not interleave with another.
            return fail(close_code::protocol_error, "new data frame inside a fragmented message");
        }

        // §5.2 extended payload length. A non-minimal form is a sender's
        // error that does not hurt us, so it is accepted rather than refused.
        std::size_t header = 2;
        if (length == length_16) {
            if (available < 4) return std::nullopt;
            length = read_big_endian(p + 2, 2);
            header = 4;
        } else if (length == length_64) {
            if (available < 10) return std::nullopt;
            length = read_big_endian(p + 2, 8);
            if ((length >> 63) != 0) {
                return fail(close_code::protocol_error, "64-bit length with the top bit set");
            }
            header = 10;
        }

        // Checked before any payload is buffered, so the caller's read buffer
        // never has to grow past max_message_size plus one header. Control
        // frames are already bounded by 125 bytes above. The subtraction
        // cannot wrap: fragments were only kept while they fitted.
        if (!is_control(op)) {
            const std::size_t already = in_fragmented_ ? fragmented_.size() : 0;
            if (length > max_message_size_ - already) {
                return fail(close_code::too_big, "message over the size limit");  // §7.4.1
            }
        }

        const unsigned char* key = p + header;
        header += mask_key_size;
        if (available < header || available - header < length) return std::nullopt;
        const char* payload = input.data() + header;
        const auto size = static_cast<std::size_t>(length);  // <= available, fits
        input.remove_prefix(header + size);

        if (is_control(op)) {
            // §5.4: control frames may arrive between fragments and are
            // answered at once; the fragmented message stays pending.
            message control{static_cast<opcode>(op), std::string(payload, size)};
            unmask(control.payload.data(), size, key);
            if (static_cast<opcode>(op) == opcode::close && !check_close(control.payload)) {
                return std::nullopt;
            }
            return control;
        }

        if (static_cast<opcode>(op) != opcode::continuation) {
            if (fin) {
                // The common case, a whole message in one frame: no staging copy.
                message whole{static_cast<opcode>(op), std::string(payload, size)};
                unmask(whole.payload.data(), size, key);
                if (!check_text(whole)) return std::nullopt;
                return whole;
            }
            in_fragmented_ = true;
            fragmented_op_ = static_cast<opcode>(op);
            fragmented_.clear();
        }

        const std::size_t offset = fragmented_.size();
        fragmented_.append(payload, size);
        // Each frame has its own key, applied from the frame's first byte.
        unmask(fragmented_.data() + offset, size, key);
        if (!fin) continue;

        in_fragmented_ = false;
        message joined{fragmented_op_, std::move(fragmented_)};
        fragmented_ = std::string();  // moved-from: make the state explicit
        if (!check_text(joined)) return std::nullopt;
        return joined;
    }
}

bool frame_parser::check_text(const message& m) {
    // §5.6/§8.1: a text message must be valid UTF-8 as a whole; a fragment may
    // end inside a code point, so only the joined message is checked.
    if (m.op != opcode::text || detail::is_valid_utf8(m.payload)) return true;
    fail(close_code::invalid_payload, "text message is not valid UTF-8");
    return false;
}

bool frame_parser::check_close(std::string_view payload) {
    // §5.5.1: an empty body is allowed; otherwise a 2-byte code comes first,
    // so a single byte cannot be well-formed.
    if (payload.empty()) return true;
    if (payload.size() == 1) {
        fail(close_code::protocol_error, "close payload of one byte");
        return false;
    }
    const auto code = static_cast<std::uint16_t>(
        read_big_endian(reinterpret_cast<const unsigned char*>(payload.data()), 2));
    if (!is_valid_wire_close_code(code)) {
        fail(close_code::protocol_error, "invalid close code");  // §7.4
        return false;
    }
    if (!detail::is_valid_utf8(payload.substr(2))) {
        fail(close_code::invalid_payload, "close reason is not valid UTF-8");  // §5.5.1
        return false;
    }
    return true;
}

}  // namespace chat::websocket
