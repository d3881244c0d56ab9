#pragma once
// Parsing JSON that the server may serialise again (echo to a client,
// re-encode, forward).

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <string_view>

namespace chat::core {

/// Parses `text` as one JSON value: RFC 8259, valid UTF-8, nested at most
/// `max_depth` levels (boost::json::error::too_deep beyond), and no number
/// beyond the range of a double (boost::json::error::exponent_overflow).
/// Boost.JSON reads such a number (e.g. 1e400) as infinity and serialises
/// infinity as `Infinity`, which is not JSON: a value echoed to a
/// socket.io-client or re-encoded would break the reader's parser. No JSON
/// serializer writes such numbers (JavaScript's writes null instead).
/// Sets `ec` and returns null on error; never throws but std::bad_alloc.
boost::json::value parse_finite_json(std::string_view text, std::size_t max_depth,
                                     boost::system::error_code& ec);

}  // namespace chat::core
