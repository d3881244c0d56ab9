#include "http/response.hpp"

#include <boost/json/serialize.hpp>

namespace chat::http {

namespace {

void common_headers(response& res) {
    // API answers are per-user data: never cached by shared caches, never
    // sniffed into another content type.
    res.set(beast::http::field::cache_control, "no-store");
    res.set("X-Content-Type-Options", "nosniff");
}

}  // namespace

response text_response(status s, std::string body, std::string_view content_type,
                       unsigned version) {
    response res{s, version};
    res.set(beast::http::field::content_type, content_type);
    common_headers(res);
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

response json_response(status s, const boost::json::value& body, unsigned version) {
    return text_response(s, boost::json::serialize(body), "application/json", version);
}

response error_response(status s, std::string_view code, std::string_view message,
                        std::string_view trace_id, const boost::json::object& fields,
                        unsigned version) {
    boost::json::object err{{"code", code}, {"message", message}};
    if (!fields.empty()) err["fields"] = fields;
    return json_response(s, boost::json::object{{"error", std::move(err)}, {"traceId", trace_id}},
                         version);
}

response no_content(unsigned version) {
    response res{status::no_content, version};
    common_headers(res);
    res.prepare_payload();
    return res;
}

}  // namespace chat::http
