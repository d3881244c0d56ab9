// Socket.IO v5 packet decoder: the data of every Engine.IO message a client
// sends.
//
// Invariants: an accepted packet has a namespace starting with '/', checks
// out against its type, and survives encode → parse unchanged (doubles
// within an ulp or so, see near_equal); the encoding never holds the
// Engine.IO record separator (which would split a polling payload).

#include "check.hpp"
#include "socketio/packet.hpp"

#include <boost/json/serialize.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

namespace sio = chat::socketio;

bool same(const sio::packet& a, const sio::packet& b) {
    const bool binary =
        a.type == sio::packet_type::binary_event || a.type == sio::packet_type::binary_ack;
    const bool data = a.data.has_value() == b.data.has_value() &&
                      (!a.data || chat::fuzz::near_equal(*a.data, *b.data));
    return a.type == b.type && a.nsp == b.nsp && a.id == b.id && data &&
           (!binary || a.attachments == b.attachments);
}

bool fits_type(const sio::packet& p) {
    switch (p.type) {
        case sio::packet_type::connect:
            return !p.id && (!p.data || p.data->is_object());
        case sio::packet_type::disconnect:
            return !p.id && !p.data;
        case sio::packet_type::connect_error:
            return !p.id && p.data && (p.data->is_object() || p.data->is_string());
        case sio::packet_type::event:
        case sio::packet_type::binary_event:
            return p.data && p.data->is_array() && !p.data->get_array().empty() &&
                   p.data->get_array().front().is_string();
        case sio::packet_type::ack:
        case sio::packet_type::binary_ack:
            return p.id && p.data && p.data->is_array();
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto packet = sio::parse(input);
    if (!packet) return 0;

    FUZZ_CHECK(!packet->nsp.empty() && packet->nsp.front() == '/');
    FUZZ_CHECK(packet->nsp == "/" || packet->nsp.size() < size);
    FUZZ_CHECK(fits_type(*packet));

    const std::string encoded = sio::encode(*packet);
    FUZZ_CHECK(encoded.find('\x1e') == std::string::npos);
    const auto again = sio::parse(encoded);
    FUZZ_CHECK(again);
    FUZZ_CHECK(same(*packet, *again));
    // Stable: the re-encoded packet parses back to the same packet again.
    const auto third = sio::parse(sio::encode(*again));
    FUZZ_CHECK(third && same(*again, *third));

    // The gateway's own builders wrap what a client sent (event names and
    // ack arguments) and must produce packets its decoder accepts.
    if (packet->type == sio::packet_type::event && packet->data) {
        const auto& args = packet->data->get_array();
        const auto& name = args.front().get_string();
        const std::string arg = args.size() > 1 ? boost::json::serialize(args[1]) : "null";
        const auto event = sio::parse(sio::encode_event(std::string_view(name), arg));
        FUZZ_CHECK(event && event->type == sio::packet_type::event && event->nsp == "/");
        FUZZ_CHECK(event->data->get_array().front().get_string() == name);
    }
    if (packet->type == sio::packet_type::ack && packet->data) {
        const auto ack =
            sio::parse(sio::encode_ack(*packet->id, boost::json::serialize(*packet->data)));
        FUZZ_CHECK(ack && ack->id == packet->id &&
                   chat::fuzz::near_equal(*ack->data, *packet->data));
    }
    if (packet->type == sio::packet_type::connect_error && packet->data->is_string()) {
        const auto& message = packet->data->get_string();
        const auto refusal = sio::parse(sio::encode_connect_error(std::string_view(message)));
        FUZZ_CHECK(refusal && refusal->data->at("message").get_string() == message);
    }
    return 0;
}
