#pragma once
// Response builders. Every JSON error of the product has one shape (SPEC §5):
// {"error": {"code": "...", "message": "...", "fields": {...}}, "traceId": "..."}.

#include "http/types.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace chat::http {

/// A JSON response with the security headers every API answer carries.
response json_response(status s, const boost::json::value& body, unsigned version = 11);

/// The product's error body. `fields` is omitted when empty.
response error_response(status s, std::string_view code, std::string_view message,
                        std::string_view trace_id, const boost::json::object& fields = {},
                        unsigned version = 11);

/// A response of any content type with the same headers (no-store, nosniff).
response text_response(status s, std::string body, std::string_view content_type,
                       unsigned version = 11);

/// 204 with the same headers.
response no_content(unsigned version = 11);

}  // namespace chat::http
