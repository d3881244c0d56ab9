#pragma once
// multipart/form-data (RFC 7578 over RFC 2046 §5.1) and the
// Content-Disposition parameters (RFC 6266, RFC 8187) of an upload.
//
// Pure functions over bytes: no I/O, no allocation of the part bodies (they
// are views into the input, which must outlive the result), safe on any
// input (unit-tested and fuzzed).

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::http::multipart {

enum class error {
    not_multipart = 1,  // the Content-Type is not multipart/form-data
    bad_boundary,       // missing, empty, longer than 70 or with bytes outside bchars
    no_delimiter,       // the body holds no first delimiter line
    bad_part_headers,   // malformed, too long, or without the blank line
    unterminated,       // no close delimiter
    too_many_parts,
};

const boost::system::error_category& error_category() noexcept;
boost::system::error_code make_error_code(error e) noexcept;

struct part {
    std::string name;                     // Content-Disposition `name`, empty when absent
    std::optional<std::string> filename;  // `filename*` (RFC 8187) if given, else `filename`
    std::string content_type;             // as sent, empty when absent
    std::string_view body;                // view into the parsed body
};

/// The boundary of a `multipart/form-data; boundary=...` Content-Type.
boost::system::result<std::string> boundary_of(std::string_view content_type);

/// Splits `body` into its parts. The preamble and the epilogue are ignored;
/// each part's header block may be at most 8 KiB.
boost::system::result<std::vector<part>> parse(std::string_view body, std::string_view boundary,
                                               std::size_t max_parts = 16);

/// The file name of a Content-Disposition value: the RFC 8187 `filename*`
/// (UTF-8 or ISO-8859-1, percent-decoded) when present and valid, else the
/// plain `filename` (token or quoted-string). nullopt when there is neither.
std::optional<std::string> disposition_filename(std::string_view value);

/// A Content-Disposition parameter (token or quoted-string, unescaped) by
/// case-insensitive name; nullopt when absent or malformed.
std::optional<std::string> disposition_param(std::string_view value, std::string_view name);

}  // namespace chat::http::multipart

template <>
struct boost::system::is_error_code_enum<chat::http::multipart::error> : std::true_type {};
