#include "store/detail/sql_script.hpp"

namespace chat::store::detail {
namespace {

bool is_blank(std::string_view s) {
    // A chunk holding only whitespace and comments is not a statement.
    std::size_t i = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            ++i;
        } else if (s.substr(i, 2) == "--") {
            const auto end = s.find('\n', i);
            i = end == std::string_view::npos ? s.size() : end + 1;
        } else if (s.substr(i, 2) == "/*") {
            const auto end = s.find("*/", i + 2);
            i = end == std::string_view::npos ? s.size() : end + 2;
        } else {
            return false;
        }
    }
    return true;
}

std::string trimmed(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r\n\f\v");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r\n\f\v");
    return std::string(s.substr(first, last - first + 1));
}

}  // namespace

std::vector<std::string> split_sql_script(std::string_view script) {
    std::vector<std::string> out;
    std::size_t start = 0;
    std::size_t i = 0;
    auto flush = [&](std::size_t end) {
        const auto chunk = script.substr(start, end - start);
        if (!is_blank(chunk)) out.push_back(trimmed(chunk));
    };
    while (i < script.size()) {
        const char c = script[i];
        if (c == '\'' || c == '"') {
            // A doubled quote is an escaped quote; scanning on handles it.
            const auto end = script.find(c, i + 1);
            i = end == std::string_view::npos ? script.size() : end + 1;
        } else if (script.substr(i, 2) == "--") {
            const auto end = script.find('\n', i);
            i = end == std::string_view::npos ? script.size() : end + 1;
        } else if (script.substr(i, 2) == "/*") {
            const auto end = script.find("*/", i + 2);
            i = end == std::string_view::npos ? script.size() : end + 2;
        } else if (c == ';') {
            flush(i);
            start = ++i;
        } else {
            ++i;
        }
    }
    flush(script.size());
    return out;
}

}  // namespace chat::store::detail
