#include "engineio/packet.hpp"

#include "core/random.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <sodium.h>

#include <limits>

namespace chat::engineio {
namespace {

class error_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "chat.engineio"; }

    std::string message(int ev) const override {
        switch (static_cast<error>(ev)) {
            case error::empty_packet:
                return "empty Engine.IO packet";
            case error::unknown_packet_type:
                return "unknown Engine.IO packet type";
            case error::bad_base64:
                return "invalid base64 in binary Engine.IO packet";
            case error::payload_too_large:
                return "Engine.IO payload over maxPayload";
            case error::bad_handshake:
                return "invalid Engine.IO handshake";
        }
        return "unknown Engine.IO error";
    }
};

// The prefix of a base64-encoded binary packet on a text channel
// (Engine.IO v4 "Packet encoding / HTTP long-polling").
constexpr char binary_prefix = 'b';

bool is_packet_type(char c) noexcept {
    return c >= '0' && c <= '6';
}

// Engine.IO uses the standard alphabet with '=' padding (what Node's
// Buffer#toString("base64") writes), hence libsodium's ORIGINAL variant.
void append_base64(std::string& out, std::string_view bytes) {
    const std::size_t start = out.size();
    const std::size_t with_nul =
        sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
    out.resize(start + with_nul);
    sodium_bin2base64(out.data() + start, with_nul,
                      reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.pop_back();  // the terminating NUL libsodium writes
}

}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const error_category_impl instance;
    return instance;
}

boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

boost::system::result<packet> parse_text(std::string_view text) {
    if (text.empty()) return error::empty_packet;
    const char head = text.front();
    if (head == binary_prefix) {
        auto bytes = core::base64_decode(text.substr(1));
        if (!bytes) return error::bad_base64;
        return packet{packet_type::message, std::move(*bytes), true};
    }
    if (!is_packet_type(head)) return error::unknown_packet_type;
    return packet{static_cast<packet_type>(head), std::string(text.substr(1)), false};
}

packet parse_binary(std::string_view bytes) {
    return packet{packet_type::message, std::string(bytes), true};
}

std::string encode_text(const packet& p) {
    std::string out;
    if (p.binary) {
        out.reserve(1 + sodium_base64_ENCODED_LEN(p.data.size(), sodium_base64_VARIANT_ORIGINAL));
        out.push_back(binary_prefix);
        append_base64(out, p.data);
        return out;
    }
    out.reserve(1 + p.data.size());
    out.push_back(static_cast<char>(p.type));
    out.append(p.data);
    return out;
}

std::string encode_message(std::string_view data) {
    std::string out;
    out.reserve(1 + data.size());
    out.push_back(static_cast<char>(packet_type::message));
    out.append(data);
    return out;
}

void append_to_payload(std::string& out, std::string_view encoded_packet) {
    // Every encoded packet holds at least its type character, so an empty
    // buffer can only mean "no packet yet".
    if (!out.empty()) out.push_back(record_separator);
    out.append(encoded_packet);
}

std::string encode_payload(std::span<const packet> packets) {
    std::string out;
    for (const packet& p : packets) {
        if (!out.empty()) out.push_back(record_separator);
        if (p.binary) {
            out.push_back(binary_prefix);
            append_base64(out, p.data);
        } else {
            out.push_back(static_cast<char>(p.type));
            out.append(p.data);
        }
    }
    return out;
}

boost::system::result<std::vector<packet>> parse_payload(std::string_view body,
                                                         std::size_t max_payload) {
    // maxPayload bounds what the server accepts in one POST ("Handshake":
    // the client aggregates packets up to it); refusing early keeps a hostile
    // body from being split at all.
    if (body.size() > max_payload) return error::payload_too_large;
    if (body.empty()) return error::empty_packet;
    std::vector<packet> packets;
    std::size_t start = 0;
    for (;;) {
        const std::size_t end = body.find(record_separator, start);
        const std::string_view record = body.substr(
            start, end == std::string_view::npos ? std::string_view::npos : end - start);
        // An empty record (separator leading, trailing or doubled) is an
        // empty packet, which v4 never produces.
        auto parsed = parse_text(record);
        if (!parsed) return parsed.error();
        packets.push_back(std::move(*parsed));
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return packets;
}

std::string encode_open(const handshake& h) {
    boost::json::array upgrades;
    upgrades.reserve(h.upgrades.size());
    for (const auto& u : h.upgrades) upgrades.emplace_back(u);
    // Insertion order is kept by boost::json::object, so the output matches
    // the spec's example field for field.
    boost::json::object o;
    o["sid"] = h.sid;
    o["upgrades"] = std::move(upgrades);
    o["pingInterval"] = h.ping_interval.count();
    o["pingTimeout"] = h.ping_timeout.count();
    o["maxPayload"] = h.max_payload;
    std::string out(1, static_cast<char>(packet_type::open));
    out += boost::json::serialize(o);
    return out;
}

boost::system::result<handshake> parse_open(std::string_view json) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(json, ec);
    if (ec) return error::bad_handshake;
    const auto* o = v.if_object();
    if (o == nullptr) return error::bad_handshake;

    handshake h;
    const auto* sid = o->if_contains("sid");
    if (sid == nullptr || !sid->is_string()) return error::bad_handshake;
    h.sid = std::string(sid->get_string());

    const auto* upgrades = o->if_contains("upgrades");
    if (upgrades == nullptr || !upgrades->is_array()) return error::bad_handshake;
    for (const auto& u : upgrades->get_array()) {
        if (!u.is_string()) return error::bad_handshake;
        h.upgrades.emplace_back(u.get_string());
    }

    auto read_count = [&](std::string_view key) -> boost::system::result<std::uint64_t> {
        const auto* field = o->if_contains(key);
        if (field == nullptr) return error::bad_handshake;
        boost::system::error_code number_ec;
        const auto n = field->to_number<std::uint64_t>(number_ec);
        if (number_ec) return error::bad_handshake;
        return n;
    };
    auto interval = read_count("pingInterval");
    auto timeout = read_count("pingTimeout");
    auto max_payload = read_count("maxPayload");
    if (!interval || !timeout || !max_payload) return error::bad_handshake;
    // Both values travel as milliseconds; anything past int64 is not a
    // handshake any server sends.
    constexpr auto max_ms =
        static_cast<std::uint64_t>(std::numeric_limits<std::chrono::milliseconds::rep>::max());
    if (*interval > max_ms || *timeout > max_ms) return error::bad_handshake;
    h.ping_interval =
        std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(*interval));
    h.ping_timeout =
        std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(*timeout));
    h.max_payload = *max_payload;
    return h;
}

}  // namespace chat::engineio
