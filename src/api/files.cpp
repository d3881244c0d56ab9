// Files (SPEC §4 file, room_message_file, thread_message_file): upload,
// metadata and download. The bytes go to the blob store under the data
// directory, named by their sha256; the client's file name is only ever a
// display name. A file is readable by its uploader and by the participants of
// every room where it is attached to a message; to everyone else it does not
// exist (404).

#include "api/detail/service.hpp"
#include "api/validation.hpp"
#include "core/random.hpp"
#include "core/time.hpp"
#include "http/download.hpp"
#include "http/multipart.hpp"
#include "websocket/detail/utf8.hpp"

#include <spdlog/spdlog.h>
#include <boost/url/pct_string_view.hpp>

#include <algorithm>
#include <array>

namespace chat::api::detail {

namespace json = boost::json;
namespace bhttp = boost::beast::http;
using boost::asio::awaitable;

namespace {

constexpr std::size_t max_file_ids = 10;      // attachments of one message
constexpr std::size_t max_name_length = 255;  // code points
// Room for a multipart envelope around a file of the largest size allowed.
constexpr std::size_t multipart_overhead = 64 * 1024;

api_error too_large(std::size_t max_upload) {
    return {http::status::payload_too_large, "payload_too_large",
            "the file exceeds " + std::to_string(max_upload) + " bytes"};
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
}

/// `type/subtype` lower-cased without parameters, or application/octet-stream
/// for anything that is not a media type.
std::string normalize_content_type(std::string_view raw) {
    std::string t(raw.substr(0, raw.find(';')));
    std::transform(t.begin(), t.end(), t.begin(), lower);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.erase(t.begin());
    const auto slash = t.find('/');
    if (t.size() > 127 || slash == std::string::npos || !is_token(t.substr(0, slash)) ||
        !is_token(t.substr(slash + 1))) {
        return "application/octet-stream";
    }
    return t;
}

std::string kind_of(std::string_view type) {
    if (type.starts_with("image/")) return "image";
    if (type.starts_with("audio/")) return "audio";
    if (type.starts_with("video/")) return "video";
    static constexpr std::array<std::string_view, 9> documents = {
        "application/pdf",
        "application/rtf",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.",
        "application/vnd.oasis.opendocument.",
        "application/epub+zip",
        "text/"};
    for (const auto d : documents) {
        if (type.starts_with(d)) return "document";
    }
    return "other";
}

/// Types a browser renders as active content (script, markup) are never
/// served as themselves: they would run with this origin's cookies.
bool is_active_content(std::string_view type) {
    for (const std::string_view word : {"html", "xml", "javascript", "ecmascript", "svg"}) {
        if (type.find(word) != std::string_view::npos) return true;
    }
    return type.starts_with("text/") && type != "text/plain" && type != "text/csv";
}

/// Media a browser may show in place; everything else downloads.
bool shows_inline(std::string_view type) {
    static constexpr std::array<std::string_view, 7> types = {
        "image/png",  "image/jpeg",      "image/gif", "image/webp",
        "image/avif", "application/pdf", "text/plain"};
    return type.starts_with("audio/") || type.starts_with("video/") ||
           std::find(types.begin(), types.end(), type) != types.end();
}

/// The display name: valid UTF-8, control characters dropped, trimmed,
/// 1 to 255 code points. nullopt when nothing usable is left.
std::optional<std::string> clean_name(std::string_view raw) {
    if (!websocket::detail::is_valid_utf8(raw)) return std::nullopt;
    std::string out;
    for (const char c : raw) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u != 0x7f) out += c;
    }
    const auto first = out.find_first_not_of(' ');
    if (first == std::string::npos) return std::nullopt;
    out = out.substr(first, out.find_last_not_of(' ') - first + 1);
    if (utf8_length(out) > max_name_length) return std::nullopt;
    return out;
}

std::string percent_decoded(std::string_view text) {
    const auto pct = boost::urls::make_pct_string_view(text);
    if (!pct) throw validation_failed(json::object{{"name", "is not validly percent-encoded"}});
    return pct->decode();
}

struct upload {
    std::string name;
    std::string content_type;
    std::string_view bytes;  // into the request body
};

/// The file of a multipart/form-data body (exactly one part with a file
/// name) or of a raw body named by ?name=, X-Filename (percent-encoded
/// UTF-8) or Content-Disposition.
upload read_upload(const http::request_context& ctx, std::size_t max_upload) {
    const std::string_view content_type = ctx.header("Content-Type");
    const std::string_view body = ctx.req.body();
    upload up;
    std::optional<std::string> raw_name;
    if (normalize_content_type(content_type).starts_with("multipart/")) {
        const auto boundary = http::multipart::boundary_of(content_type);
        if (!boundary) throw bad_request(boundary.error().message());
        const auto parts = http::multipart::parse(body, *boundary);
        if (!parts) throw bad_request("malformed multipart body: " + parts.error().message());
        const http::multipart::part* file = nullptr;
        for (const auto& p : *parts) {
            if (!p.filename) continue;
            if (file) throw bad_request("send one file per upload");
            file = &p;
        }
        if (!file)
            throw bad_request("the multipart body has no file part (a part with a filename)");
        raw_name = file->filename;
        up.content_type = file->content_type;
        up.bytes = file->body;
    } else {
        if (auto q = ctx.query("name")) {
            raw_name = std::move(q);
        } else if (const auto header = ctx.header("X-Filename"); !header.empty()) {
            raw_name = percent_decoded(header);
        } else if (const auto cd = ctx.header("Content-Disposition"); !cd.empty()) {
            raw_name = http::multipart::disposition_filename(cd);
        }
        if (!raw_name) {
            throw validation_failed(json::object{
                {"name",
                 "is required for a raw upload (?name=, X-Filename or Content-Disposition)"}});
        }
        up.content_type = std::string(content_type);
        up.bytes = body;
    }
    auto name = clean_name(*raw_name);
    if (!name) {
        throw validation_failed(json::object{
            {"name", "must be UTF-8 text of 1 to 255 characters besides control characters"}});
    }
    up.name = std::move(*name);
    up.content_type = normalize_content_type(up.content_type);
    if (up.bytes.empty()) throw bad_request("the file is empty");
    if (up.bytes.size() > max_upload) throw too_large(max_upload);
    return up;
}

awaitable<http::response> upload_file(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    auto up = read_upload(ctx, s.deps.max_upload);
    // The bytes stay in the request body (one copy) until they are on disk.
    auto pending = s.blocking([&s, me, up = std::move(up)] {
        const auto stored = s.deps.blobs->put(up.bytes);
        store::file_info f;
        f.uploader_id = me;
        f.name = up.name;
        f.content_type = up.content_type;
        f.kind = kind_of(up.content_type);
        f.size = static_cast<std::int64_t>(stored.size);
        f.sha256 = stored.sha256;
        auto saved = s.deps.store.insert_file(std::move(f));
        spdlog::info("file {} stored: {} bytes sha256={} ({})", saved.id, saved.size, saved.sha256,
                     stored.written ? "new content" : "content stored already");
        return saved;
    });
    auto file = co_await std::move(pending);
    auto res = http::json_response(http::status::created, to_json(file), ctx.req.version());
    res.set(bhttp::field::location, "/files/" + file.id);
    co_return res;
}

/// The file if the caller may read it; 404 otherwise, unknown or not.
awaitable<store::file_info> readable(service& s, const std::string& me, const std::string& id) {
    auto pending = s.blocking([&s, me, id] {
        if (!core::is_uuid(id)) throw not_found("file");
        auto f = s.deps.store.find_file(id, me);
        if (!f) throw not_found("file");
        return std::move(*f);
    });
    co_return co_await std::move(pending);
}

awaitable<http::response> get_file(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const std::string id = to_lower(ctx.param("id"));
    auto pending = readable(s, me, id);
    auto file = co_await std::move(pending);
    co_return http::json_response(http::status::ok, to_json(file), ctx.req.version());
}

/// Headers every answer of the content route carries.
void download_headers(http::response& res, const store::file_info& f, const std::string& etag) {
    res.set(bhttp::field::etag, etag);
    res.set(bhttp::field::accept_ranges, "bytes");
    // Revalidated on each use (the ETag makes that cheap): access can end
    // when the caller leaves the room.
    res.set(bhttp::field::cache_control, "private, no-cache");
    res.set("X-Content-Type-Options", "nosniff");
    // Even if a browser rendered it, a file could run nothing.
    res.set("Content-Security-Policy", "default-src 'none'; sandbox");
    const bool active = is_active_content(f.content_type);
    res.set(bhttp::field::content_type, active ? "application/octet-stream" : f.content_type);
    res.set(bhttp::field::content_disposition,
            http::content_disposition(!active && shows_inline(f.content_type)
                                          ? http::disposition::inline_
                                          : http::disposition::attachment,
                                      f.name));
}

awaitable<http::response> download_file(service& s, http::request_context& ctx) {
    const auto me = s.authenticate(ctx);
    const std::string id = to_lower(ctx.param("id"));
    auto pending = readable(s, me, id);
    auto file = co_await std::move(pending);
    const std::string etag = "\"" + file.sha256 + "\"";
    const auto size = static_cast<std::uint64_t>(file.size);
    const auto version = ctx.req.version();

    if (const auto inm = ctx.header("If-None-Match");
        !inm.empty() && http::etag_matches(inm, etag)) {
        http::response res{http::status::not_modified, version};
        download_headers(res, file, etag);
        co_return res;
    }
    auto range = http::range_request{};
    if (const auto header = ctx.header("Range"); !header.empty()) {
        // If-Range with another validator: the client's part is stale, send all.
        const auto if_range = ctx.header("If-Range");
        if (if_range.empty() || http::etag_matches(if_range, etag)) {
            range = http::parse_range(header, size);
        }
    }
    if (range.kind == http::range_request::unsatisfiable) {
        auto res = http::error_response(
            http::status::range_not_satisfiable, "range_not_satisfiable",
            "the range starts past the end of the file", ctx.trace_id, {}, version);
        res.set(bhttp::field::content_range, "bytes */" + std::to_string(size));
        res.set(bhttp::field::accept_ranges, "bytes");
        co_return res;
    }
    const bool partial = range.kind == http::range_request::partial;
    const std::uint64_t offset = partial ? range.offset : 0;
    const std::uint64_t length = partial ? range.length : size;
    auto reading = s.blocking([&s, sha = file.sha256, offset, length] {
        return s.deps.blobs->read(sha, offset, length);
    });
    auto bytes = co_await std::move(reading);
    if (bytes.size() != length) {
        throw std::runtime_error("file " + file.id + ": stored content is shorter than recorded");
    }
    http::response res{partial ? http::status::partial_content : http::status::ok, version};
    download_headers(res, file, etag);
    if (partial) {
        res.set(bhttp::field::content_range, "bytes " + std::to_string(offset) + "-" +
                                                 std::to_string(offset + length - 1) + "/" +
                                                 std::to_string(size));
    }
    res.body() = std::move(bytes);
    res.prepare_payload();
    co_return res;
}

}  // namespace

json::object to_json(const store::file_info& f) {
    return {{"id", f.id},
            {"name", f.name},
            {"size", f.size},
            {"contentType", f.content_type},
            {"kind", f.kind},
            {"sha256", f.sha256},
            {"uploaderId", f.uploader_id},
            {"createdAt", core::iso8601_ms(f.created_at)},
            {"contentUrl", "/files/" + f.id + "/content"}};
}

std::vector<std::string> read_file_ids(body_reader& in) {
    return in.uuid_list("fileIds", false, max_file_ids).value_or(std::vector<std::string>{});
}

void require_readable_files(store::store& s, const std::vector<std::string>& file_ids,
                            const std::string& user_id) {
    for (const auto& id : file_ids) {
        if (!s.find_file(id, user_id)) {
            throw validation_failed(json::object{{"fileIds", "unknown file " + id}});
        }
    }
}

void add_file_routes(http::router& r, service& s) {
    using http::verb;
    r.add(verb::post, "/files", s.guarded([&s](auto& ctx) { return upload_file(s, ctx); }),
          s.deps.max_upload + multipart_overhead);
    r.add(verb::get, "/files/{id}", s.guarded([&s](auto& ctx) { return get_file(s, ctx); }));
    r.add(verb::get, "/files/{id}/content",
          s.guarded([&s](auto& ctx) { return download_file(s, ctx); }));
}

}  // namespace chat::api::detail
