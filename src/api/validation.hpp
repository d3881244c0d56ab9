#pragma once
// Input validation at the edge. A request body is read field by field; every
// problem is collected so one 400 lists all bad fields at once.

#include "http/types.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::api {

/// Parses the request body as a JSON object. 415 when the Content-Type is
/// not JSON, 400 when the body is not a JSON object (depth-limited).
boost::json::object parse_json_body(const http::request& req);

/// Reads typed fields out of a JSON object, collecting errors.
class body_reader {
public:
    explicit body_reader(const boost::json::object& body) : body_(body) {}

    /// A string field; `required` fields that are absent are an error.
    /// Length counts Unicode code points; the string must be valid UTF-8
    /// (Boost.JSON guarantees that) and, when `trim`, is trimmed first.
    std::optional<std::string> string(std::string_view name, bool required, std::size_t min_len,
                                      std::size_t max_len, bool trim = true);
    std::optional<std::int64_t> integer(std::string_view name, bool required, std::int64_t min,
                                        std::int64_t max);
    std::optional<bool> boolean(std::string_view name, bool required);
    /// An array of UUID strings, at most `max_items`, duplicates removed.
    std::optional<std::vector<std::string>> uuid_list(std::string_view name, bool required,
                                                      std::size_t max_items);
    /// An array of e-mail addresses (valid syntax), at most `max_items`,
    /// lower-cased, duplicates removed.
    std::optional<std::vector<std::string>> email_list(std::string_view name, bool required,
                                                       std::size_t max_items);
    bool has(std::string_view name) const { return body_.contains(name); }

    void fail(std::string_view name, std::string message);
    /// Throws validation_failed if anything was wrong.
    void finish() const;

private:
    /// An array of strings that pass `valid`, lower-cased, duplicates removed;
    /// `array_of` and `only` name the items in the error messages.
    std::optional<std::vector<std::string>> lower_case_list(std::string_view name, bool required,
                                                            std::size_t max_items,
                                                            bool (*valid)(std::string_view),
                                                            std::string_view array_of,
                                                            std::string_view only);

    const boost::json::object& body_;
    boost::json::object errors_;
};

/// RFC 5322-lite syntax check: one '@', non-empty local part, a dotted domain,
/// no spaces or control characters, at most 254 bytes.
bool is_valid_email(std::string_view email);
/// Password policy: at least 8 characters, at least one letter and one digit, at most 256.
std::optional<std::string> password_problem(std::string_view password);
/// Number of Unicode code points in valid UTF-8.
std::size_t utf8_length(std::string_view s);
/// ASCII lower-case (e-mail addresses compare case-insensitively).
std::string to_lower(std::string_view s);

/// A positive integer query parameter within [min, max]; 400 otherwise.
std::optional<std::int64_t> query_integer(const http::request_context& ctx, std::string_view name,
                                          std::int64_t min, std::int64_t max);

}  // namespace chat::api

namespace chat::api {

/// A keyset position (a time in ms and a UUID) handed to clients as an
/// opaque cursor "<ms>.<uuid>".
struct time_id_cursor {
    std::int64_t at = 0;
    std::string id;
};
std::string encode_cursor(std::int64_t at, std::string_view id);
/// 400 (`cursor`) unless `text` is a cursor encode_cursor made.
time_id_cursor decode_cursor(std::string_view text);

/// A boolean query parameter ("true" / "false"); 400 otherwise.
std::optional<bool> query_boolean(const http::request_context& ctx, std::string_view name);

/// Why `emoji` (the percent-decoded path segment) is not a reaction, or
/// nullopt when it is one: valid UTF-8, 1 to 16 code points and at most 64
/// bytes, with no whitespace (ASCII or Unicode) and no control characters.
/// That admits any emoji, including ZWJ sequences, flags and keycaps, and
/// short tokens such as "+1", without a Unicode table for grapheme clusters.
std::optional<std::string> reaction_problem(std::string_view emoji);

}  // namespace chat::api
