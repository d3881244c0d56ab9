// Relay event parser: every payload a gateway receives from the bus (Redis in
// the scale-out roles, where anything that can publish on the channel is an
// input).
//
// Invariants: an accepted event meets the documented contract (target for
// chat/person, msg-type prefix, bounded size) and survives encode → parse
// unchanged (doubles within an ulp or so, see near_equal).

#include "check.hpp"
#include "relay/event.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

namespace relay = chat::relay;

std::string_view prefix_of(relay::relay_type t) {
    switch (t) {
        case relay::relay_type::chat:
            return "room.";
        case relay::relay_type::person:
            return "person.";
        case relay::relay_type::all:
            break;
    }
    return "all.";
}

bool same(const relay::event& a, const relay::event& b) {
    return a.type == b.type && a.target_id == b.target_id && a.timestamp == b.timestamp &&
           a.msg_type == b.msg_type &&
           chat::fuzz::near_equal(boost::json::value(a.extra), boost::json::value(b.extra));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto event = relay::parse(input);
    if (!event) {
        FUZZ_CHECK(size <= relay::max_event_bytes ||
                   event.error() == relay::event_error::too_large);
        return 0;
    }

    FUZZ_CHECK(size <= relay::max_event_bytes);
    FUZZ_CHECK(event->target_id.empty() == (event->type == relay::relay_type::all));
    FUZZ_CHECK(!event->timestamp.empty());
    const auto prefix = prefix_of(event->type);
    FUZZ_CHECK(event->msg_type.size() > prefix.size() && event->msg_type.starts_with(prefix));
    FUZZ_CHECK(!event->extra.contains("relay-type") && !event->extra.contains("msg-type") &&
               !event->extra.contains("timestamp"));

    const std::string encoded = relay::encode(*event);
    const auto again = relay::parse(encoded);
    FUZZ_CHECK(again);
    FUZZ_CHECK(same(*event, *again));
    const auto third = relay::parse(relay::encode(*again));
    FUZZ_CHECK(third && same(*again, *third));
    return 0;
}
