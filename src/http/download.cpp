#include "http/download.hpp"

#include <charconv>

namespace chat::http {

namespace {

bool parse_u64(std::string_view s, std::uint64_t& out) {
    if (s.empty() || s.size() > 19) return false;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// RFC 8187 attr-char: sent as is in an ext-value; everything else is %XX.
bool is_attr_char(unsigned char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

range_request parse_range(std::string_view header, std::uint64_t size) {
    range_request whole;
    header = trim(header);
    constexpr std::string_view unit = "bytes=";
    if (header.size() <= unit.size()) return whole;
    for (std::size_t i = 0; i < unit.size(); ++i) {
        const char c = header[i];
        if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != unit[i]) return whole;
    }
    const std::string_view spec = trim(header.substr(unit.size()));
    if (spec.find(',') != std::string_view::npos) return whole;
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos) return whole;
    const std::string_view first_text = trim(spec.substr(0, dash));
    const std::string_view last_text = trim(spec.substr(dash + 1));
    range_request r;
    r.kind = range_request::partial;
    if (first_text.empty()) {  // suffix: the last n bytes
        std::uint64_t n = 0;
        if (!parse_u64(last_text, n)) return whole;
        if (n == 0 || size == 0) return {range_request::unsatisfiable, 0, 0};
        r.length = n < size ? n : size;
        r.offset = size - r.length;
        return r;
    }
    std::uint64_t first = 0;
    if (!parse_u64(first_text, first)) return whole;
    std::uint64_t last = size == 0 ? 0 : size - 1;
    if (!last_text.empty()) {
        if (!parse_u64(last_text, last) || last < first) return whole;
        if (size != 0 && last > size - 1) last = size - 1;
    }
    if (first >= size) return {range_request::unsatisfiable, 0, 0};
    r.offset = first;
    r.length = last - first + 1;
    return r;
}

bool etag_matches(std::string_view header, std::string_view etag) noexcept {
    const auto opaque = [](std::string_view t) {
        if (t.starts_with("W/")) t.remove_prefix(2);
        return t;
    };
    while (!header.empty()) {
        const auto comma = header.find(',');
        const std::string_view item = trim(header.substr(0, comma));
        if (item == "*" || (!item.empty() && opaque(item) == opaque(etag))) return true;
        if (comma == std::string_view::npos) break;
        header.remove_prefix(comma + 1);
    }
    return false;
}

std::string content_disposition(disposition d, std::string_view name) {
    std::string clean;
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) continue;
        clean += (c == '/' || c == '\\') ? '_' : c;
    }
    if (clean.empty()) clean = "file";
    std::string fallback;
    for (const char c : clean) {
        const auto u = static_cast<unsigned char>(c);
        fallback += (u >= 0x80 || c == '"' || c == '%') ? '_' : c;
    }
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string encoded;
    for (const char c : clean) {
        const auto u = static_cast<unsigned char>(c);
        if (is_attr_char(u)) {
            encoded += c;
        } else {
            encoded += '%';
            encoded += hex[u >> 4];
            encoded += hex[u & 0xF];
        }
    }
    return std::string(d == disposition::inline_ ? "inline" : "attachment") + "; filename=\"" +
           fallback + "\"; filename*=UTF-8''" + encoded;
}

}  // namespace chat::http
