#include "http/multipart.hpp"

#include <algorithm>

namespace chat::http::multipart {

namespace {

constexpr std::size_t max_header_block = 8 * 1024;

class category final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "multipart"; }
    std::string message(int ev) const override {
        switch (static_cast<error>(ev)) {
            case error::not_multipart:
                return "the content type is not multipart/form-data";
            case error::bad_boundary:
                return "the multipart boundary is missing or invalid";
            case error::no_delimiter:
                return "the body has no multipart delimiter";
            case error::bad_part_headers:
                return "a multipart part has malformed headers";
            case error::unterminated:
                return "the multipart body has no close delimiter";
            case error::too_many_parts:
                return "too many multipart parts";
        }
        return "unknown multipart error";
    }
};

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// RFC 9110 §5.6.2 tchar.
bool is_tchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// RFC 2046 §5.1.1 bchars, without the final space.
bool is_bchar(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

/// One `; name=value` parameter list, as in Content-Type and
/// Content-Disposition (RFC 9110 §5.6.6), after the leading type. Values are
/// tokens or quoted-strings; calls `f(name, value)` for each and stops with
/// false on malformed input.
template <class F>
bool for_each_param(std::string_view params, F f) {
    std::size_t i = 0;
    const auto skip_ws = [&] {
        while (i < params.size() && (params[i] == ' ' || params[i] == '\t')) ++i;
    };
    while (true) {
        skip_ws();
        if (i == params.size()) return true;
        if (params[i] != ';') return false;
        ++i;
        skip_ws();
        if (i == params.size()) return true;  // a trailing ';' is tolerated
        const std::size_t name_start = i;
        while (i < params.size() && is_tchar(params[i])) ++i;
        const std::string_view name = params.substr(name_start, i - name_start);
        skip_ws();
        if (name.empty() || i == params.size() || params[i] != '=') return false;
        ++i;
        skip_ws();
        std::string value;
        if (i < params.size() && params[i] == '"') {
            ++i;
            bool closed = false;
            while (i < params.size()) {
                const char c = params[i++];
                if (c == '"') {
                    closed = true;
                    break;
                }
                if (c == '\\' && i < params.size()) {
                    value += params[i++];
                } else {
                    value += c;
                }
            }
            if (!closed) return false;
        } else {
            const std::size_t start = i;
            while (i < params.size() && is_tchar(params[i])) ++i;
            value = params.substr(start, i - start);
            if (value.empty()) return false;
        }
        f(name, std::move(value));
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/// RFC 8187 ext-value: charset "'" [language] "'" pct-encoded value.
std::optional<std::string> decode_ext_value(std::string_view v) {
    const auto q1 = v.find('\'');
    if (q1 == std::string_view::npos) return std::nullopt;
    const auto q2 = v.find('\'', q1 + 1);
    if (q2 == std::string_view::npos) return std::nullopt;
    const std::string_view charset = v.substr(0, q1);
    const bool latin1 = iequals(charset, "iso-8859-1");
    if (!iequals(charset, "utf-8") && !latin1) return std::nullopt;
    std::string bytes;
    for (std::size_t i = q2 + 1; i < v.size(); ++i) {
        if (v[i] == '%') {
            if (i + 2 >= v.size()) return std::nullopt;
            const int hi = hex_value(v[i + 1]);
            const int lo = hex_value(v[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            bytes += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            bytes += v[i];
        }
    }
    if (!latin1) return bytes;
    std::string utf8;
    for (const unsigned char c : bytes) {
        if (c < 0x80) {
            utf8 += static_cast<char>(c);
        } else {
            utf8 += static_cast<char>(0xC0 | (c >> 6));
            utf8 += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return utf8;
}

/// The parameters part of a header value: everything from the first ';'.
std::string_view params_of(std::string_view value) {
    const auto semi = value.find(';');
    return semi == std::string_view::npos ? std::string_view{} : value.substr(semi);
}

/// Parses one part's header block (lines without the final blank line).
bool parse_part_headers(std::string_view block, part& out) {
    while (!block.empty()) {
        auto eol = block.find("\r\n");
        const std::string_view line = block.substr(0, eol);
        block = eol == std::string_view::npos ? std::string_view{} : block.substr(eol + 2);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return false;
        const std::string_view name = line.substr(0, colon);
        if (!std::all_of(name.begin(), name.end(), is_tchar)) return false;
        const std::string_view value = trim(line.substr(colon + 1));
        if (iequals(name, "Content-Disposition")) {
            const auto semi = value.find(';');
            const std::string_view type = trim(value.substr(0, semi));
            if (!iequals(type, "form-data")) return false;
            if (!for_each_param(params_of(value), [](std::string_view, std::string) {})) {
                return false;
            }
            out.name = disposition_param(value, "name").value_or("");
            out.filename = disposition_filename(value);
        } else if (iequals(name, "Content-Type")) {
            out.content_type = std::string(value);
        }
    }
    return true;
}

}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const category instance;
    return instance;
}

boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

boost::system::result<std::string> boundary_of(std::string_view content_type) {
    const auto semi = content_type.find(';');
    if (!iequals(trim(content_type.substr(0, semi)), "multipart/form-data")) {
        return make_error_code(error::not_multipart);
    }
    std::optional<std::string> boundary;
    const bool ok = for_each_param(params_of(content_type), [&](std::string_view n, std::string v) {
        if (iequals(n, "boundary")) boundary = std::move(v);
    });
    if (!ok || !boundary || boundary->empty() || boundary->size() > 70 || boundary->back() == ' ' ||
        !std::all_of(boundary->begin(), boundary->end(), is_bchar)) {
        return make_error_code(error::bad_boundary);
    }
    return *boundary;
}

boost::system::result<std::vector<part>> parse(std::string_view body, std::string_view boundary,
                                               std::size_t max_parts) {
    if (boundary.empty() || boundary.size() > 70) return make_error_code(error::bad_boundary);
    const std::string dash = "--" + std::string(boundary);
    const std::string delimiter = "\r\n" + dash;  // every delimiter after the first

    // The first delimiter may open the body, or follow a preamble (§5.1.1).
    std::size_t pos = 0;
    if (body.substr(0, dash.size()) != dash) {
        const auto found = body.find(delimiter);
        if (found == std::string_view::npos) return make_error_code(error::no_delimiter);
        pos = found + 2;
    }
    pos += dash.size();

    std::vector<part> parts;
    while (true) {
        // After a delimiter: "--" closes the body; otherwise transport padding
        // (linear white space) and CRLF open the next part.
        if (body.substr(pos, 2) == "--") return parts;
        while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
        if (body.substr(pos, 2) != "\r\n") {
            return make_error_code(pos >= body.size() ? error::unterminated
                                                      : error::bad_part_headers);
        }
        pos += 2;
        if (parts.size() == max_parts) return make_error_code(error::too_many_parts);

        part p;
        std::size_t header_end = 0;
        if (body.substr(pos, 2) == "\r\n") {
            header_end = pos;  // no headers at all
        } else {
            header_end = body.find("\r\n\r\n", pos);
            if (header_end == std::string_view::npos || header_end - pos > max_header_block) {
                return make_error_code(error::bad_part_headers);
            }
        }
        if (!parse_part_headers(body.substr(pos, header_end - pos), p)) {
            return make_error_code(error::bad_part_headers);
        }
        pos = header_end + (header_end == pos ? 2 : 4);
        const auto end = body.find(delimiter, pos);
        if (end == std::string_view::npos) return make_error_code(error::unterminated);
        p.body = body.substr(pos, end - pos);
        parts.push_back(std::move(p));
        pos = end + delimiter.size();
    }
}

std::optional<std::string> disposition_param(std::string_view value, std::string_view name) {
    std::optional<std::string> found;
    const bool ok = for_each_param(params_of(value), [&](std::string_view n, std::string v) {
        if (!found && iequals(n, name)) found = std::move(v);
    });
    if (!ok) return std::nullopt;
    return found;
}

std::optional<std::string> disposition_filename(std::string_view value) {
    if (auto ext = disposition_param(value, "filename*")) {
        if (auto decoded = decode_ext_value(*ext)) return decoded;
    }
    return disposition_param(value, "filename");
}

}  // namespace chat::http::multipart
