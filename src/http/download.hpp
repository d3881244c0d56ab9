#pragma once
// Pure helpers for serving a stored file: byte ranges (RFC 9110 §14),
// entity tags (§8.8.3, §13.1.2) and Content-Disposition (RFC 6266 with the
// RFC 8187 `filename*`).

#include <cstdint>
#include <string>
#include <string_view>

namespace chat::http {

struct range_request {
    enum kind_t { whole, partial, unsatisfiable } kind = whole;
    std::uint64_t offset = 0;  // partial: first byte
    std::uint64_t length = 0;  // partial: byte count, at least 1
};

/// Reads a Range header against a representation of `size` bytes. Only one
/// `bytes` range is served: an absent, malformed or multi-range header, or
/// another unit, asks for the whole representation (RFC 9110 §14.2 lets a
/// server ignore Range). A range starting at or past the end (or "-0") is
/// unsatisfiable (416).
range_request parse_range(std::string_view header, std::uint64_t size);

/// Whether an If-None-Match (or If-Range) value names `etag`: "*", or a
/// comma-separated list holding it, with or without W/ (the weak comparison
/// of §13.1.2). For uploaded files and the web client's files alike.
bool etag_matches(std::string_view header, std::string_view etag) noexcept;

enum class disposition { inline_, attachment };

/// `inline` or `attachment` with a `filename` fallback of printable ASCII
/// (other bytes, quotes, backslashes and percent signs become '_') and the
/// exact UTF-8 name as `filename*`. Path separators and control characters
/// never reach the header: '/' and '\' become '_', controls are dropped.
std::string content_disposition(disposition d, std::string_view name);

}  // namespace chat::http
