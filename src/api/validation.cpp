#include "api/validation.hpp"

#include "api/error.hpp"
#include "core/random.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/parse_options.hpp>

#include <algorithm>
#include <charconv>

namespace chat::api {

namespace json = boost::json;

boost::json::object parse_json_body(const http::request& req) {
    const auto it = req.find(boost::beast::http::field::content_type);
    const std::string_view type =
        it == req.end() ? std::string_view{} : std::string_view(it->value());
    const auto semi = type.find(';');
    std::string media = to_lower(type.substr(0, semi));
    while (!media.empty() && media.back() == ' ') media.pop_back();
    if (media != "application/json") {
        throw api_error(http::status::unsupported_media_type, "unsupported_media_type",
                        "Content-Type must be application/json");
    }
    json::parse_options opts;
    opts.max_depth = 32;
    boost::system::error_code ec;
    json::value v = json::parse(req.body(), ec, {}, opts);
    if (ec) throw bad_request("malformed JSON body: " + ec.message());
    if (!v.is_object()) throw bad_request("request body must be a JSON object");
    return std::move(v.as_object());
}

namespace {

std::string_view trimmed(std::string_view s) {
    const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<std::string> body_reader::string(std::string_view name, bool required,
                                               std::size_t min_len, std::size_t max_len,
                                               bool trim) {
    const auto* v = body_.if_contains(name);
    if (!v || v->is_null()) {
        if (required) fail(name, "is required");
        return std::nullopt;
    }
    if (!v->is_string()) {
        fail(name, "must be a string");
        return std::nullopt;
    }
    std::string_view s = v->get_string();
    if (trim) s = trimmed(s);
    const auto len = utf8_length(s);
    if (len < min_len || len > max_len) {
        fail(name, min_len == max_len ? "must be " + std::to_string(min_len) + " characters"
                                      : "must be " + std::to_string(min_len) + " to " +
                                            std::to_string(max_len) + " characters");
        return std::nullopt;
    }
    for (unsigned char c : s) {
        // Control characters other than newline and tab have no place in names or text.
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
            fail(name, "must not contain control characters");
            return std::nullopt;
        }
    }
    return std::string(s);
}

std::optional<std::int64_t> body_reader::integer(std::string_view name, bool required,
                                                 std::int64_t min, std::int64_t max) {
    const auto* v = body_.if_contains(name);
    if (!v || v->is_null()) {
        if (required) fail(name, "is required");
        return std::nullopt;
    }
    std::int64_t n = 0;
    if (v->is_int64()) {
        n = v->get_int64();
    } else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        n = static_cast<std::int64_t>(v->get_uint64());
    } else {
        fail(name, "must be an integer");
        return std::nullopt;
    }
    if (n < min || n > max) {
        fail(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
        return std::nullopt;
    }
    return n;
}

std::optional<bool> body_reader::boolean(std::string_view name, bool required) {
    const auto* v = body_.if_contains(name);
    if (!v || v->is_null()) {
        if (required) fail(name, "is required");
        return std::nullopt;
    }
    if (!v->is_bool()) {
        fail(name, "must be a boolean");
        return std::nullopt;
    }
    return v->get_bool();
}

std::optional<std::vector<std::string>> body_reader::lower_case_list(
    std::string_view name, bool required, std::size_t max_items, bool (*valid)(std::string_view),
    std::string_view array_of, std::string_view only) {
    const auto* v = body_.if_contains(name);
    if (!v || v->is_null()) {
        if (required) fail(name, "is required");
        return std::nullopt;
    }
    if (!v->is_array()) {
        fail(name, "must be an array of " + std::string(array_of));
        return std::nullopt;
    }
    const auto& arr = v->get_array();
    if (arr.size() > max_items) {
        fail(name, "must have at most " + std::to_string(max_items) + " items");
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& item : arr) {
        if (!item.is_string() || !valid(item.get_string())) {
            fail(name, "must contain only " + std::string(only));
            return std::nullopt;
        }
        std::string value = to_lower(item.get_string());
        if (std::find(out.begin(), out.end(), value) == out.end()) out.push_back(std::move(value));
    }
    return out;
}

std::optional<std::vector<std::string>> body_reader::uuid_list(std::string_view name, bool required,
                                                               std::size_t max_items) {
    // Not only user ids: messages name their files so too.
    return lower_case_list(name, required, max_items, core::is_uuid, "ids (UUID strings)",
                           "ids (UUID strings)");
}

std::optional<std::vector<std::string>> body_reader::email_list(std::string_view name,
                                                                bool required,
                                                                std::size_t max_items) {
    return lower_case_list(name, required, max_items, is_valid_email, "e-mail addresses",
                           "valid e-mail addresses");
}

void body_reader::fail(std::string_view name, std::string message) {
    if (!errors_.contains(name)) errors_[name] = std::move(message);
}

void body_reader::finish() const {
    if (!errors_.empty()) throw validation_failed(errors_);
}

bool is_valid_email(std::string_view email) {
    if (email.size() < 3 || email.size() > 254) return false;
    const auto at = email.find('@');
    if (at == std::string_view::npos || at == 0 ||
        email.find('@', at + 1) != std::string_view::npos) {
        return false;
    }
    const auto local = email.substr(0, at);
    const auto domain = email.substr(at + 1);
    if (local.size() > 64 || local.front() == '.' || local.back() == '.' ||
        local.find("..") != std::string_view::npos) {
        return false;
    }
    const auto dot = domain.find('.');
    if (dot == std::string_view::npos || dot == 0 || domain.back() == '.' ||
        domain.find("..") != std::string_view::npos) {
        return false;
    }
    for (unsigned char c : email) {
        if (c <= 0x20 || c == 0x7f || c == '(' || c == ')' || c == ',' || c == ':' || c == ';' ||
            c == '<' || c == '>' || c == '[' || c == ']' || c == '\\' || c == '"') {
            return false;
        }
    }
    return true;
}

std::optional<std::string> password_problem(std::string_view password) {
    const auto len = utf8_length(password);
    if (len < 8) return "must be at least 8 characters";
    if (len > 256) return "must be at most 256 characters";
    const bool letter = std::any_of(password.begin(), password.end(), [](unsigned char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
    });
    const bool digit = std::any_of(password.begin(), password.end(),
                                   [](unsigned char c) { return c >= '0' && c <= '9'; });
    if (!letter || !digit) return "must contain at least one letter and one digit";
    return std::nullopt;
}

std::size_t utf8_length(std::string_view s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](unsigned char c) { return (c & 0xc0) != 0x80; }));
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::optional<std::int64_t> query_integer(const http::request_context& ctx, std::string_view name,
                                          std::int64_t min, std::int64_t max) {
    const auto text = ctx.query(name);
    if (!text || text->empty()) return std::nullopt;
    std::int64_t n = 0;
    const auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
    if (ec != std::errc{} || p != text->data() + text->size() || n < min || n > max) {
        boost::json::object f;
        f[name] =
            "must be an integer between " + std::to_string(min) + " and " + std::to_string(max);
        throw validation_failed(std::move(f));
    }
    return n;
}

}  // namespace chat::api

namespace chat::api {

std::string encode_cursor(std::int64_t at, std::string_view id) {
    return std::to_string(at) + "." + std::string(id);
}

time_id_cursor decode_cursor(std::string_view text) {
    const auto dot = text.find('.');
    time_id_cursor c;
    if (dot != std::string_view::npos) {
        const auto [p, ec] = std::from_chars(text.data(), text.data() + dot, c.at);
        c.id = std::string(text.substr(dot + 1));
        if (ec == std::errc{} && p == text.data() + dot && core::is_uuid(c.id)) return c;
    }
    throw validation_failed(json::object{{"cursor", "is not a cursor returned by this API"}});
}

std::optional<bool> query_boolean(const http::request_context& ctx, std::string_view name) {
    const auto text = ctx.query(name);
    if (!text || text->empty()) return std::nullopt;
    if (*text == "true") return true;
    if (*text == "false") return false;
    json::object f;
    f[name] = "must be true or false";
    throw validation_failed(std::move(f));
}

namespace {

/// Decodes the code point at `s[i]` and advances `i`; nullopt for anything
/// but well-formed UTF-8 (no overlong forms, surrogates or values past
/// U+10FFFF).
std::optional<char32_t> next_code_point(std::string_view s, std::size_t& i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = byte(i);
    std::size_t extra = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (lead < 0x80) {
        ++i;
        return lead;
    } else if ((lead & 0xe0) == 0xc0) {
        extra = 1, cp = lead & 0x1f, min = 0x80;
    } else if ((lead & 0xf0) == 0xe0) {
        extra = 2, cp = lead & 0x0f, min = 0x800;
    } else if ((lead & 0xf8) == 0xf0) {
        extra = 3, cp = lead & 0x07, min = 0x10000;
    } else {
        return std::nullopt;
    }
    if (i + extra >= s.size()) return std::nullopt;  // truncated
    for (std::size_t k = 1; k <= extra; ++k) {
        if ((byte(i + k) & 0xc0) != 0x80) return std::nullopt;
        cp = (cp << 6) | (byte(i + k) & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return std::nullopt;
    i += extra + 1;
    return cp;
}

bool is_space_or_control(char32_t cp) {
    return cp <= 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
           cp == 0x205f || cp == 0x3000 || cp == 0xfeff;
}

}  // namespace

std::optional<std::string> reaction_problem(std::string_view emoji) {
    constexpr std::size_t max_bytes = 64;
    constexpr std::size_t max_code_points = 16;
    if (emoji.empty()) return "must not be empty";
    if (emoji.size() > max_bytes) return "must be at most 64 bytes";
    std::size_t count = 0;
    for (std::size_t i = 0; i < emoji.size();) {
        const auto cp = next_code_point(emoji, i);
        if (!cp) return "must be valid UTF-8";
        if (is_space_or_control(*cp)) return "must not contain whitespace or control characters";
        if (++count > max_code_points) return "must be at most 16 characters";
    }
    return std::nullopt;
}

}  // namespace chat::api
