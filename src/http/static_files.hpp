#pragma once
// Serves the web client: the files under one directory, read into memory once
// at start-up (the client is a few hundred KiB), so a request never touches
// the filesystem or blocks an I/O thread, and a path can only ever name a file
// that was inside the root when the server started (no traversal, no symlink
// escapes, no races with files changing underneath).
//
// Every answer carries its Content-Type by extension, a strong ETag,
// `Cache-Control: no-cache` (revalidate: If-None-Match gives 304 without the
// body), `X-Content-Type-Options: nosniff` and a Content-Security-Policy that
// allows only this origin's scripts, styles and sockets.
//
// Immutable after load(): read concurrently without locks.

#include "http/types.hpp"

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace chat::http {

/// The Content-Security-Policy of every static answer.
inline constexpr std::string_view web_content_security_policy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

/// Content type by file extension (case-insensitive); text types say UTF-8.
/// Unknown extensions are application/octet-stream.
std::string_view content_type_for(std::string_view file_name) noexcept;

/// Turns a percent-decoded request path into a key relative to the root:
/// "/" -> "index.html", "/js/app.js" -> "js/app.js", "/docs/" ->
/// "docs/index.html". nullopt for anything that could step outside the root or
/// name a hidden file: "." or ".." segments, empty segments ("//"), segments
/// starting with '.', backslashes, NUL or other control characters, or a
/// path that does not start with '/'.
std::optional<std::string> normalize_path(std::string_view decoded_path);

class static_files {
public:
    struct limits {
        std::size_t max_total_bytes = 64 * 1024 * 1024;
        std::size_t max_files = 10'000;
    };

    /// Reads every regular file under `root` (recursively; hidden files and
    /// anything whose real path leaves the root, e.g. a symlink to /etc, are
    /// skipped with a warning). Throws std::runtime_error when `root` is not a
    /// readable directory or the files exceed `lim`.
    static static_files load(const std::filesystem::path& root, limits lim);
    static static_files load(const std::filesystem::path& root) { return load(root, limits{}); }

    /// GET or HEAD of a percent-decoded path: 200 with the file (HEAD: the
    /// same headers, no body), 304 when If-None-Match matches, 404 JSON error
    /// for anything else.
    response respond(const request& req, std::string_view decoded_path,
                     std::string_view trace_id) const;

    /// Whether a percent-decoded request path names a file of the site.
    bool contains(std::string_view decoded_path) const;

    std::size_t file_count() const noexcept { return files_.size(); }
    std::size_t total_bytes() const noexcept { return total_bytes_; }

private:
    struct file {
        std::string body;
        std::string_view content_type;
        std::string etag;  // strong: a quoted digest of the body
    };
    std::map<std::string, file, std::less<>> files_;
    std::size_t total_bytes_ = 0;
};

}  // namespace chat::http
