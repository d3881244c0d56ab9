#include "http/static_files.hpp"

#include "core/random.hpp"
#include "http/download.hpp"
#include "http/response.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>

namespace chat::http {

namespace fs = std::filesystem;
namespace bhttp = beast::http;

namespace {

char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

bool valid_segment(std::string_view s) noexcept {
    if (s.empty() || s.front() == '.') return false;  // "", ".", "..", hidden files
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || c == '\\') return false;
    }
    return true;
}

// The real path of `p` is `root` or below it (symlinks resolved).
bool inside(const fs::path& real_root, const fs::path& p) {
    std::error_code ec;
    const auto real = fs::canonical(p, ec);
    if (ec) return false;
    auto r = real_root.begin();
    auto q = real.begin();
    for (; r != real_root.end(); ++r, ++q) {
        if (q == real.end() || *r != *q) return false;
    }
    return true;
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    std::string body((std::istreambuf_iterator<char>(in)), {});
    if (in.bad()) throw std::runtime_error("cannot read " + p.string());
    return body;
}

void set_static_headers(response& res, std::string_view etag) {
    res.set(bhttp::field::etag, etag);
    // Revalidate every time: the client's files are not versioned in their
    // names, and a 304 costs a round trip but no body.
    res.set(bhttp::field::cache_control, "no-cache");
    res.set("X-Content-Type-Options", "nosniff");
    res.set("Content-Security-Policy", web_content_security_policy);
    res.set("Referrer-Policy", "no-referrer");
    res.set("X-Frame-Options", "DENY");
}

}  // namespace

std::string_view content_type_for(std::string_view file_name) noexcept {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 17> types{{
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json"},
        {"map", "application/json"},
        {"webmanifest", "application/manifest+json"},
        {"txt", "text/plain; charset=utf-8"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"webp", "image/webp"},
        {"ico", "image/x-icon"},
        {"woff2", "font/woff2"},
    }};
    const auto slash = file_name.rfind('/');
    const auto base = slash == std::string_view::npos ? file_name : file_name.substr(slash + 1);
    const auto dot = base.rfind('.');
    if (dot != std::string_view::npos) {
        const auto ext = base.substr(dot + 1);
        for (const auto& [e, type] : types) {
            if (iequals(e, ext)) return type;
        }
    }
    return "application/octet-stream";
}

std::optional<std::string> normalize_path(std::string_view path) {
    if (path.empty() || path.front() != '/') return std::nullopt;
    path.remove_prefix(1);
    std::string key;
    while (!path.empty()) {
        const auto slash = path.find('/');
        const auto segment = path.substr(0, slash);
        if (!valid_segment(segment)) return std::nullopt;
        key.append(segment);
        if (slash == std::string_view::npos) return key;
        key.push_back('/');
        path.remove_prefix(slash + 1);
    }
    // "/" or a path ending in "/": the directory's index.
    key.append("index.html");
    return key;
}

static_files static_files::load(const fs::path& root, limits lim) {
    std::error_code ec;
    const auto real_root = fs::canonical(root, ec);
    if (ec || !fs::is_directory(real_root)) {
        throw std::runtime_error("web root " + root.string() + " is not a readable directory");
    }
    static_files site;
    fs::recursive_directory_iterator it(real_root, fs::directory_options::none, ec);
    if (ec) throw std::runtime_error("cannot list web root " + root.string() + ": " + ec.message());
    for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec)
            throw std::runtime_error("cannot list web root " + root.string() + ": " + ec.message());
        const auto relative = it->path().lexically_relative(real_root).generic_string();
        const auto name = it->path().filename().string();
        if (!name.empty() && name.front() == '.') {
            if (it->is_directory()) it.disable_recursion_pending();
            continue;
        }
        if (!it->is_regular_file()) continue;  // follows symlinks; directories are walked
        if (!inside(real_root, it->path())) {
            spdlog::warn("web root: skipping {}: it resolves outside the root", relative);
            continue;
        }
        auto body = read_file(it->path());
        site.total_bytes_ += body.size();
        if (site.total_bytes_ > lim.max_total_bytes || site.files_.size() >= lim.max_files) {
            throw std::runtime_error("web root " + root.string() + " holds more than " +
                                     std::to_string(lim.max_total_bytes) + " bytes or " +
                                     std::to_string(lim.max_files) + " files");
        }
        file f;
        f.content_type = content_type_for(relative);
        f.etag = "\"" + core::sha256_hex(body).substr(0, 32) + "\"";
        f.body = std::move(body);
        site.files_.emplace(relative, std::move(f));
    }
    return site;
}

bool static_files::contains(std::string_view decoded_path) const {
    const auto key = normalize_path(decoded_path);
    return key && files_.find(*key) != files_.end();
}

response static_files::respond(const request& req, std::string_view decoded_path,
                               std::string_view trace_id) const {
    const auto key = normalize_path(decoded_path);
    const auto found = key ? files_.find(*key) : files_.end();
    if (found == files_.end()) {
        return error_response(status::not_found, "not_found", "no such file", trace_id, {},
                              req.version());
    }
    const file& f = found->second;
    const auto if_none_match = req.find(bhttp::field::if_none_match);
    if (if_none_match != req.end() && etag_matches(if_none_match->value(), f.etag)) {
        response res{status::not_modified, req.version()};
        set_static_headers(res, f.etag);
        return res;
    }
    response res{status::ok, req.version()};
    res.set(bhttp::field::content_type, f.content_type);
    set_static_headers(res, f.etag);
    if (req.method() == verb::head) {
        res.content_length(f.body.size());  // what GET would send; no body
    } else {
        res.body() = f.body;
        res.prepare_payload();
    }
    return res;
}

}  // namespace chat::http
