// JSON request bodies of the REST handlers, through the validation layer
// (api/validation.hpp): parse_json_body, then the fields each handler reads
// with body_reader, in the handler's order and with its limits (mirrored from
// src/api/*.cpp; a handler that changes its reads should change them here).
//
// Input: the Content-Type value, a '\n', then the body (no '\n': no
// Content-Type header, all body). Invariants: a body is accepted only as a
// JSON object under a JSON media type; every value body_reader returns
// meets its limits (code points, no control characters, trimmed, integer
// range, UUID list lowercase and unique); a request fails validation exactly
// when a field was refused, with a 400 listing fields, whose JSON error body
// parses back.

#include "api/error.hpp"
#include "api/validation.hpp"
#include "check.hpp"
#include "core/random.hpp"
#include "http/response.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace api = chat::api;
namespace json = boost::json;

// Limits of the handlers (src/api/users.cpp, tokens.cpp, rooms.cpp, messages.cpp).
constexpr std::size_t max_invitees = 100;
constexpr std::size_t max_text_length = 10'000;
constexpr std::int64_t max_seq = std::int64_t{1} << 53;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// body_reader plus the checks on what it returns and on whether finish()
// must refuse the request.
class checked_reader {
public:
    explicit checked_reader(const json::object& body) : body_(body), in_(body) {}

    std::optional<std::string> string(std::string_view name, bool required, std::size_t min_len,
                                      std::size_t max_len, bool trim = true) {
        auto v = in_.string(name, required, min_len, max_len, trim);
        if (v) {
            const auto length = api::utf8_length(*v);
            FUZZ_CHECK(length >= min_len && length <= max_len);
            for (unsigned char c : *v)
                FUZZ_CHECK((c >= 0x20 || c == '\n' || c == '\t') && c != 0x7f);
            if (trim && !v->empty()) FUZZ_CHECK(!is_space(v->front()) && !is_space(v->back()));
        } else {
            expect_failure_if_refused(name, required);
        }
        return v;
    }

    std::optional<std::int64_t> integer(std::string_view name, bool required, std::int64_t min,
                                        std::int64_t max) {
        auto v = in_.integer(name, required, min, max);
        if (v) {
            FUZZ_CHECK(*v >= min && *v <= max);
        } else {
            expect_failure_if_refused(name, required);
        }
        return v;
    }

    std::optional<std::vector<std::string>> uuid_list(std::string_view name, bool required,
                                                      std::size_t max_items) {
        auto v = in_.uuid_list(name, required, max_items);
        if (v) {
            FUZZ_CHECK(v->size() <= max_items);
            for (const auto& id : *v) {
                FUZZ_CHECK(chat::core::is_uuid(id) && id == api::to_lower(id));
                FUZZ_CHECK(std::count(v->begin(), v->end(), id) == 1);
            }
        } else {
            expect_failure_if_refused(name, required);
        }
        return v;
    }

    bool has(std::string_view name) const { return in_.has(name); }

    void fail(std::string_view name, std::string message) {
        in_.fail(name, std::move(message));
        must_fail_ = true;
    }

    void finish() const {
        bool failed = false;
        try {
            in_.finish();
        } catch (const api::api_error& e) {
            failed = true;
            FUZZ_CHECK(e.status() == chat::http::status::bad_request);
            FUZZ_CHECK(!e.fields().empty());
            for (const auto& field : e.fields()) FUZZ_CHECK(field.value().is_string());
            check_error_body(e);
        }
        FUZZ_CHECK(failed == must_fail_);
    }

    static void check_error_body(const api::api_error& e) {
        const auto res =
            chat::http::error_response(e.status(), e.code(), e.what(), "trace", e.fields());
        boost::system::error_code ec;
        const auto body = json::parse(res.body(), ec);
        FUZZ_CHECK(!ec && body.is_object() && body.as_object().contains("error"));
    }

private:
    // A field refused (nullopt) fails the request when it was required or
    // present with a non-null value.
    void expect_failure_if_refused(std::string_view name, bool required) {
        const auto* v = body_.if_contains(name);
        if (required || (v != nullptr && !v->is_null())) must_fail_ = true;
    }

    const json::object& body_;
    api::body_reader in_;
    bool must_fail_ = false;
};

// POST /users (users.cpp sign_up).
void sign_up(const json::object& body) {
    checked_reader in(body);
    auto email = in.string("email", true, 3, 254);
    const auto nickname = in.string("nickname", true, 1, 40);
    const auto password = in.string("password", true, 0, 1024, false);
    if (email) {
        *email = api::to_lower(*email);
        if (api::is_valid_email(*email)) {
            FUZZ_CHECK(std::count(email->begin(), email->end(), '@') == 1 && email->size() <= 254);
        } else {
            in.fail("email", "must be a valid e-mail address");
        }
    }
    if (password) {
        if (auto problem = api::password_problem(*password)) {
            in.fail("password", *problem);
        } else {
            const auto length = api::utf8_length(*password);
            FUZZ_CHECK(length >= 8 && length <= 256);
        }
    }
    in.finish();
}

// PATCH /users/me (users.cpp update_me).
void update_me(const json::object& body) {
    checked_reader in(body);
    in.string("nickname", false, 1, 40);
    const auto password = in.string("password", false, 0, 1024, false);
    in.string("currentPassword", password.has_value(), 1, 1024, false);
    if (password) {
        if (auto problem = api::password_problem(*password)) in.fail("password", *problem);
    }
    if (!in.has("nickname") && !in.has("password")) in.fail("nickname", "nothing to update");
    in.finish();
}

// POST /token (tokens.cpp).
void login(const json::object& body) {
    checked_reader in(body);
    in.string("email", true, 1, 254);
    in.string("password", true, 1, 1024, false);
    in.finish();
}

// POST /token/refresh and DELETE /token (tokens.cpp).
void refresh(const json::object& body) {
    checked_reader in(body);
    in.string("refreshToken", true, 1, 512, false);
    in.finish();
}

// POST /rooms (rooms.cpp create_room).
void create_room(const json::object& body) {
    checked_reader in(body);
    in.string("name", false, 1, 100);
    in.uuid_list("participantIds", true, max_invitees);
    in.finish();
}

// PATCH /rooms/{id} (rooms.cpp rename_room).
void rename_room(const json::object& body) {
    checked_reader in(body);
    in.string("name", false, 1, 100);
    if (!in.has("name")) in.fail("name", "is required (null clears it)");
    in.finish();
}

// POST /rooms/{id}/participants (rooms.cpp invite).
void invite(const json::object& body) {
    checked_reader in(body);
    const auto ids = in.uuid_list("userIds", true, max_invitees);
    if (ids && ids->empty()) in.fail("userIds", "must name at least one user");
    in.finish();
}

// POST /rooms/{id}/messages (messages.cpp send_message).
void send_message(const json::object& body) {
    checked_reader in(body);
    const auto text = in.string("text", true, 1, max_text_length, false);
    if (text && text->find_first_not_of(" \t\r\n") == std::string::npos) {
        in.fail("text", "must not be blank");
    }
    in.finish();
}

// PUT /rooms/{id}/read (messages.cpp mark_read).
void mark_read(const json::object& body) {
    checked_reader in(body);
    in.integer("seq", true, 0, max_seq);
    in.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    chat::http::request req{chat::http::verb::post, "/", 11};
    const auto newline = input.find('\n');
    std::string_view content_type;
    if (newline != std::string_view::npos) {
        content_type = input.substr(0, newline);
        req.set(boost::beast::http::field::content_type, content_type);
        req.body() = std::string(input.substr(newline + 1));
    } else {
        req.body() = std::string(input);
    }

    json::object body;
    try {
        body = api::parse_json_body(req);
    } catch (const api::api_error& e) {
        const auto s = e.status();
        FUZZ_CHECK(s == chat::http::status::bad_request ||
                   s == chat::http::status::unsupported_media_type);
        checked_reader::check_error_body(e);
        return 0;
    }
    // As stored: the header parser (here Beast's set()) strips surrounding whitespace.
    FUZZ_CHECK(api::to_lower(std::string_view(req[boost::beast::http::field::content_type]))
                   .starts_with("application/json"));

    for (auto* handler : {sign_up, update_me, login, refresh, create_room, rename_room, invite,
                          send_message, mark_read}) {
        handler(body);
    }
    return 0;
}
