#pragma once
// Uploaded files' bytes, content-addressed under one directory: each distinct
// content is stored once, as <root>/<first two hex digits>/<sha256 hex>, so
// identical uploads share it. Names come from the hash only, never from a
// client. A blob appears atomically: written to <root>/tmp, fsynced, then
// renamed into place (and the directory fsynced), so a crash leaves either
// the whole blob or none (and at most a stray temp file).
//
// Thread safe; every call blocks on the filesystem, so callers on an I/O
// thread must offload them. Errors throw std::system_error.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace chat::store {

class blob_store {
public:
    /// Creates `root` (and its tmp directory) if missing.
    explicit blob_store(std::filesystem::path root);

    struct stored {
        std::string sha256;  // lower-case hex
        std::uint64_t size = 0;
        bool written = false;  // false when the content was there already
    };
    /// Stores `bytes` unless a blob with the same content exists.
    stored put(std::string_view bytes);

    /// Up to `length` bytes of the blob from `offset` (fewer at its end).
    /// Throws std::system_error (no_such_file_or_directory) when there is no
    /// such blob, std::invalid_argument when `sha256` is not 64 hex digits.
    std::string read(const std::string& sha256, std::uint64_t offset, std::uint64_t length) const;

    /// Where the blob lives; throws std::invalid_argument for a malformed hash.
    std::filesystem::path path_of(std::string_view sha256) const;

private:
    std::filesystem::path root_;
};

}  // namespace chat::store
