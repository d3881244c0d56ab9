#include "socketio/packet.hpp"

#include "core/json.hpp"

#include <boost/json/error.hpp>
#include <boost/json/serialize.hpp>

#include <charconv>
#include <limits>

namespace chat::socketio {
namespace {

class error_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "chat.socketio"; }

    std::string message(int ev) const override {
        switch (static_cast<error>(ev)) {
            case error::empty_packet:
                return "empty Socket.IO packet";
            case error::unknown_packet_type:
                return "unknown Socket.IO packet type";
            case error::bad_attachment_count:
                return "invalid Socket.IO attachment count";
            case error::bad_namespace:
                return "invalid Socket.IO namespace";
            case error::bad_ack_id:
                return "invalid Socket.IO acknowledgement id";
            case error::bad_json:
                return "invalid JSON in Socket.IO packet";
            case error::too_deep:
                return "Socket.IO payload nested too deeply";
            case error::invalid_payload:
                return "Socket.IO payload not allowed for the packet type";
        }
        return "unknown Socket.IO error";
    }
};

bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}

bool is_hex(char c) noexcept {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_binary(packet_type t) noexcept {
    return t == packet_type::binary_event || t == packet_type::binary_ack;
}

// socket.io-client takes the namespace from the URL's pathname, so a real
// one is a URL path: RFC 3986 §3.3 pchar and '/', percent-encoded otherwise.
// ',' (a sub-delim) is excluded because it ends the namespace. This also
// turns a forgotten ',' before a JSON payload into an error instead of a
// namespace named `/admin{"token":...}`.
bool is_valid_namespace(std::string_view nsp) noexcept {
    // '/', unreserved marks, sub-delims but ',', then ':' and '@'.
    constexpr std::string_view punctuation = "/-._~!$&'()*+;=:@";
    for (std::size_t i = 0; i < nsp.size(); ++i) {
        const char c = nsp[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c)) continue;
        if (punctuation.find(c) != std::string_view::npos) continue;
        if (c == '%' && i + 2 < nsp.size() && is_hex(nsp[i + 1]) && is_hex(nsp[i + 2])) {
            i += 2;
            continue;
        }
        return false;
    }
    return true;
}

// Parses the leading decimal digits of `text` into `out`; false on overflow.
// from_chars refuses signs and reports out-of-range instead of wrapping.
template <class Unsigned>
bool parse_digits(std::string_view text, std::size_t& pos, Unsigned& out) noexcept {
    const char* first = text.data() + pos;
    const auto [end, ec] = std::from_chars(first, text.data() + text.size(), out);
    if (ec != std::errc{}) return false;
    pos += static_cast<std::size_t>(end - first);
    return true;
}

boost::system::error_code check_payload(const packet& p) {
    const auto& data = p.data;
    switch (p.type) {
        case packet_type::connect:
            // Optional auth object, e.g. {"token":"..."} (v5 "Connection to a namespace").
            if (p.id) return error::bad_ack_id;
            if (data && !data->is_object()) return error::invalid_payload;
            return {};
        case packet_type::disconnect:
            if (p.id) return error::bad_ack_id;
            if (data) return error::invalid_payload;
            return {};
        case packet_type::connect_error:
            // An object since v5; a plain string from v4 servers (History, v5 vs v4).
            if (p.id) return error::bad_ack_id;
            if (!data || !(data->is_object() || data->is_string())) return error::invalid_payload;
            return {};
        case packet_type::event:
        case packet_type::binary_event: {
            // "The payload is mandatory and MUST be a non-empty array", and its
            // first element names the event.
            if (!data) return error::invalid_payload;
            const auto* args = data->if_array();
            if (args == nullptr || args->empty() || !args->front().is_string()) {
                return error::invalid_payload;
            }
            return {};
        }
        case packet_type::ack:
        case packet_type::binary_ack:
            // An ACK answers one event id; its payload "MUST be an array (possibly empty)".
            if (!p.id) return error::bad_ack_id;
            if (!data || !data->is_array()) return error::invalid_payload;
            return {};
    }
    return error::unknown_packet_type;
}

void append_number(std::string& out, std::uint64_t n) {
    char buffer[std::numeric_limits<std::uint64_t>::digits10 + 2];
    const auto [end, ec] = std::to_chars(std::begin(buffer), std::end(buffer), n);
    (void)ec;  // the buffer always fits a uint64
    out.append(buffer, end);
}

// JSON string literal for `s`: quotes, escapes and control characters
// (\u001e included, which keeps the Engine.IO record separator out).
void append_json_string(std::string& out, std::string_view s) {
    out += boost::json::serialize(boost::json::string_view(s.data(), s.size()));
}

}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const error_category_impl instance;
    return instance;
}

boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

boost::system::result<packet> parse(std::string_view text) {
    if (text.empty()) return error::empty_packet;
    const char head = text.front();
    if (head < '0' || head > '6') return error::unknown_packet_type;

    packet p;
    p.type = static_cast<packet_type>(head - '0');
    std::size_t pos = 1;

    // `<n>-`: the count is mandatory for binary types and ends with '-'.
    if (is_binary(p.type)) {
        if (pos >= text.size() || !is_digit(text[pos])) return error::bad_attachment_count;
        if (!parse_digits(text, pos, p.attachments)) return error::bad_attachment_count;
        if (pos >= text.size() || text[pos] != '-') return error::bad_attachment_count;
        ++pos;
    }

    // `<namespace>,`: only present when not the main namespace.
    if (pos < text.size() && text[pos] == '/') {
        const std::size_t comma = text.find(',', pos);
        const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
        const std::string_view nsp = text.substr(pos, end - pos);
        if (!is_valid_namespace(nsp)) return error::bad_namespace;
        p.nsp = std::string(nsp);
        pos = comma == std::string_view::npos ? text.size() : comma + 1;
    }

    // `<ack id>`: digits right before the payload; a JSON payload never
    // starts with a digit in a valid packet (it is an object or an array).
    if (pos < text.size() && is_digit(text[pos])) {
        std::uint64_t id = 0;
        if (!parse_digits(text, pos, id)) return error::bad_ack_id;
        p.id = id;
    }

    if (pos < text.size()) {
        // Finite numbers only: the gateway echoes parts of a payload back.
        boost::system::error_code ec;
        boost::json::value value = core::parse_finite_json(text.substr(pos), max_json_depth, ec);
        if (ec == boost::json::error::too_deep) return error::too_deep;
        if (ec) return error::bad_json;
        p.data = std::move(value);
    }

    if (const auto ec = check_payload(p)) return ec;
    return p;
}

std::string encode(const packet& p) {
    std::string out;
    out.push_back(static_cast<char>('0' + static_cast<int>(p.type)));
    if (is_binary(p.type)) {
        append_number(out, p.attachments);
        out.push_back('-');
    }
    // The main namespace is implied ("the namespace is only included if it is
    // different from the main namespace").
    if (!p.nsp.empty() && p.nsp != "/") {
        out += p.nsp;
        out.push_back(',');
    }
    if (p.id) append_number(out, *p.id);
    if (p.data) out += boost::json::serialize(*p.data);
    return out;
}

std::string encode_event(std::string_view event_name, std::string_view json_arg) {
    std::string out;
    out.reserve(event_name.size() + json_arg.size() + 8);
    out += "2[";
    append_json_string(out, event_name);
    out.push_back(',');
    out += json_arg;
    out.push_back(']');
    return out;
}

std::string encode_connect(std::string_view sid) {
    std::string out = "0{\"sid\":";
    append_json_string(out, sid);
    out.push_back('}');
    return out;
}

std::string encode_connect_error(std::string_view message) {
    std::string out = "4{\"message\":";
    append_json_string(out, message);
    out.push_back('}');
    return out;
}

std::string encode_ack(std::uint64_t id, std::string_view json_args_array) {
    std::string out = "3";
    append_number(out, id);
    out += json_args_array;
    return out;
}

}  // namespace chat::socketio
