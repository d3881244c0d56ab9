// Engine.IO v4 decoder: the body of a long-polling POST (parse_payload, which
// parses each record with parse_text), a WebSocket binary frame
// (parse_binary) and the open packet a client reads (parse_open).
//
// Invariants: an accepted payload re-encodes to exactly the input (the
// text form has one spelling: strict base64, no escapes), both ways of
// building a payload agree, and the size limit is enforced.

#include "check.hpp"
#include "engineio/packet.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

namespace eio = chat::engineio;

// The gateway's default maxPayload (gateway_config).
constexpr std::size_t max_payload = 1'000'000;

bool same(const eio::packet& a, const eio::packet& b) {
    return a.binary == b.binary && a.data == b.data && (a.binary || a.type == b.type);
}

void check_open(std::string_view json) {
    const auto h = eio::parse_open(json);
    if (!h) return;
    const std::string encoded = eio::encode_open(*h);
    FUZZ_CHECK(!encoded.empty() && encoded.front() == '0');
    const auto again = eio::parse_open(std::string_view(encoded).substr(1));
    FUZZ_CHECK(again);
    FUZZ_CHECK(again->sid == h->sid && again->upgrades == h->upgrades);
    FUZZ_CHECK(again->ping_interval == h->ping_interval && again->ping_timeout == h->ping_timeout);
    FUZZ_CHECK(again->max_payload == h->max_payload);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);

    // One byte over the limit is refused before anything else is looked at.
    if (!input.empty()) {
        const auto over = eio::parse_payload(input, size - 1);
        FUZZ_CHECK(!over && over.error() == eio::error::payload_too_large);
    }

    const auto payload = eio::parse_payload(input, max_payload);
    if (payload) {
        FUZZ_CHECK(!payload->empty());
        FUZZ_CHECK(eio::encode_payload(*payload) == input);
        std::string built;
        for (const auto& p : *payload) {
            FUZZ_CHECK(p.data.size() < size);
            const std::string text = eio::encode_text(p);
            const auto again = eio::parse_text(text);
            FUZZ_CHECK(again && same(*again, p));
            eio::append_to_payload(built, text);
            if (!p.binary && p.type == eio::packet_type::open) check_open(p.data);
        }
        FUZZ_CHECK(built == input);
    } else {
        // Only a record parse_text refuses (or the size) makes a payload fail:
        // a single record without separator fails exactly as parse_text does.
        if (input.find(eio::record_separator) == std::string_view::npos) {
            const auto single = eio::parse_text(input);
            FUZZ_CHECK(!single && single.error() == payload.error());
        }
    }

    // A WebSocket binary frame is taken as is and survives the text channel.
    const auto binary = eio::parse_binary(input);
    FUZZ_CHECK(binary.binary && binary.data == input);
    const auto as_text = eio::parse_text(eio::encode_text(binary));
    FUZZ_CHECK(as_text && as_text->binary && as_text->data == input);
    return 0;
}
