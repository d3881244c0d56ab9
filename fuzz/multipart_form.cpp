// multipart/form-data uploads (POST /files): the Content-Type's boundary, the
// body split into parts, and the Content-Disposition parameters of a part.
// The input is the Content-Type value, a newline, then the body; when the
// Content-Type names no usable boundary the body is still split with a fixed
// one, so every input reaches the part parser.
//
// Invariants: a boundary is 1-70 bytes; at most max_parts parts, each body a
// view inside the input, in order and not overlapping; a file name decoded
// from a Content-Disposition is at most twice its input (ISO-8859-1 bytes
// become two UTF-8 bytes at most).

#include "check.hpp"
#include "http/multipart.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

namespace multipart = chat::http::multipart;

constexpr std::size_t max_parts = 16;

void check_disposition(std::string_view value) {
    if (const auto name = multipart::disposition_filename(value)) {
        FUZZ_CHECK(name->size() <= 2 * value.size());
    }
    if (const auto name = multipart::disposition_param(value, "name")) {
        FUZZ_CHECK(name->size() <= value.size());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto newline = input.find('\n');
    const std::string_view content_type = input.substr(0, newline);
    const std::string_view body =
        newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);

    std::string boundary = "fuzz-boundary";
    if (const auto b = multipart::boundary_of(content_type)) {
        FUZZ_CHECK(!b->empty() && b->size() <= 70);
        boundary = *b;
    }
    // The first line doubles as a Content-Disposition value.
    check_disposition(content_type);

    const auto parts = multipart::parse(body, boundary, max_parts);
    if (!parts) return 0;
    FUZZ_CHECK(parts->size() <= max_parts);
    const char* previous_end = body.data();
    for (const auto& p : *parts) {
        FUZZ_CHECK(p.body.data() >= previous_end);
        FUZZ_CHECK(p.body.data() + p.body.size() <= body.data() + body.size());
        previous_end = p.body.data() + p.body.size();
        FUZZ_CHECK(p.name.size() <= body.size());
        if (p.filename) FUZZ_CHECK(p.filename->size() <= 2 * body.size());
    }
    return 0;
}
