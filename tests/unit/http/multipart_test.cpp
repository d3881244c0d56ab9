#include "http/multipart.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace chat::http::multipart {
namespace {

const std::string boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

std::string form(std::initializer_list<std::pair<std::string, std::string>> parts) {
    std::string out;
    for (const auto& [headers, body] : parts) {
        out += "--" + boundary + "\r\n" + headers + "\r\n\r\n" + body + "\r\n";
    }
    return out + "--" + boundary + "--\r\n";
}

TEST(MultipartBoundary, FromTheContentType) {
    EXPECT_EQ(boundary_of("multipart/form-data; boundary=abc").value(), "abc");
    EXPECT_EQ(boundary_of("Multipart/Form-Data;boundary=\"a b:c\"").value(), "a b:c");
    EXPECT_EQ(boundary_of("multipart/form-data; charset=utf-8; boundary=x-y").value(), "x-y");
    EXPECT_EQ(boundary_of("application/json").error(), error::not_multipart);
    EXPECT_EQ(boundary_of("multipart/mixed; boundary=abc").error(), error::not_multipart);
    EXPECT_EQ(boundary_of("multipart/form-data").error(), error::bad_boundary);
    EXPECT_EQ(boundary_of("multipart/form-data; boundary=").error(), error::bad_boundary);
    EXPECT_EQ(boundary_of("multipart/form-data; boundary=\"ends with space \"").error(),
              error::bad_boundary);
    EXPECT_EQ(boundary_of("multipart/form-data; boundary=" + std::string(71, 'a')).error(),
              error::bad_boundary);
    EXPECT_EQ(boundary_of("multipart/form-data; boundary=\"unterminated").error(),
              error::bad_boundary);
}

TEST(Multipart, FieldsAndAFile) {
    const std::string body =
        form({{"Content-Disposition: form-data; name=\"note\"", "hello"},
              {"Content-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".png\"\r\n"
               "Content-Type: image/png",
               std::string("\x89PNG\r\n\0\r\n--not-the-boundary", 22)}});
    const auto parts = parse(body, boundary);
    ASSERT_TRUE(parts) << parts.error().message();
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ((*parts)[0].name, "note");
    EXPECT_FALSE((*parts)[0].filename);
    EXPECT_EQ((*parts)[0].body, "hello");
    EXPECT_EQ((*parts)[1].name, "file");
    EXPECT_EQ((*parts)[1].filename, "a \"b\".png");
    EXPECT_EQ((*parts)[1].content_type, "image/png");
    EXPECT_EQ((*parts)[1].body, std::string_view("\x89PNG\r\n\0\r\n--not-the-boundary", 22));
    // The body is a view into the input: nothing was copied.
    EXPECT_GE((*parts)[1].body.data(), body.data());
    EXPECT_LE((*parts)[1].body.data() + (*parts)[1].body.size(), body.data() + body.size());
}

TEST(Multipart, PreambleEpiloguePaddingAndEmptyParts) {
    const std::string body = "preamble\r\n--" + boundary + "  \r\n" +
                             "Content-Disposition: form-data; name=\"f\"; filename=\"\"\r\n\r\n" +
                             "\r\n--" + boundary + "\r\n\r\nno headers\r\n--" + boundary +
                             "--\r\nepilogue";
    const auto parts = parse(body, boundary);
    ASSERT_TRUE(parts) << parts.error().message();
    ASSERT_EQ(parts->size(), 2u);
    EXPECT_EQ((*parts)[0].filename, "");
    EXPECT_EQ((*parts)[0].body, "");
    EXPECT_EQ((*parts)[1].name, "");
    EXPECT_EQ((*parts)[1].body, "no headers");
}

TEST(Multipart, Rfc8187FileNameWins) {
    const auto parts = parse(form({{"content-disposition: form-data; name=file; "
                                    "filename=\"fallback.txt\"; "
                                    "filename*=UTF-8''%EC%88%AB%EC%9E%90.txt",
                                    "x"}}),
                             boundary);
    ASSERT_TRUE(parts);
    EXPECT_EQ((*parts)[0].filename, "숫자.txt");
}

TEST(Multipart, Refusals) {
    EXPECT_EQ(parse("no delimiter here", boundary).error(), error::no_delimiter);
    EXPECT_EQ(
        parse("--" + boundary + "\r\nContent-Disposition: form-data\r\n\r\nbody", boundary).error(),
        error::unterminated);
    EXPECT_EQ(parse("--" + boundary, boundary).error(), error::unterminated);
    EXPECT_EQ(
        parse("--" + boundary + "\r\nno colon\r\n\r\nx\r\n--" + boundary + "--", boundary).error(),
        error::bad_part_headers);
    EXPECT_EQ(parse(form({{"Content-Disposition: attachment; name=x", "x"}}), boundary).error(),
              error::bad_part_headers);
    EXPECT_EQ(parse(form({{"Content-Disposition: form-data; name=\"x", "x"}}), boundary).error(),
              error::bad_part_headers);
    EXPECT_EQ(parse("--" + boundary + "\r\nA: " + std::string(9000, 'a') + "\r\n\r\nx\r\n--" +
                        boundary + "--",
                    boundary)
                  .error(),
              error::bad_part_headers);
    EXPECT_EQ(parse("--" + boundary + "junk\r\n\r\nx\r\n--" + boundary + "--", boundary).error(),
              error::bad_part_headers);
    EXPECT_EQ(parse(form({{"A: 1", "1"}, {"A: 2", "2"}, {"A: 3", "3"}}), boundary, 2).error(),
              error::too_many_parts);
    EXPECT_EQ(parse("x", "").error(), error::bad_boundary);
}

TEST(MultipartDisposition, FileNames) {
    EXPECT_EQ(disposition_filename("attachment; filename=plain.txt"), "plain.txt");
    EXPECT_EQ(disposition_filename("attachment; filename=\"q\\\\uoted.txt\""), "q\\uoted.txt");
    EXPECT_EQ(disposition_filename("attachment; filename*=iso-8859-1'en'%E9t%E9.txt"),
              "\xC3\xA9t\xC3\xA9.txt");
    // A broken filename* falls back to filename.
    EXPECT_EQ(disposition_filename("attachment; filename*=UTF-8''%G1; filename=ok"), "ok");
    EXPECT_EQ(disposition_filename("attachment; filename*=koi8-r''x; filename=ok"), "ok");
    EXPECT_EQ(disposition_filename("attachment; filename*=UTF-8''%4"), std::nullopt);
    EXPECT_EQ(disposition_filename("attachment"), std::nullopt);
    EXPECT_EQ(disposition_filename("attachment; filename"), std::nullopt);
    EXPECT_EQ(disposition_param("form-data; name=\"a\"; filename=\"b\"", "name"), "a");
}

// The parser is run on mutations of a valid body (flipped, cut, duplicated
// bytes): it must never crash or read outside the input (ASan checks that),
// and every part it returns lies within the input.
TEST(MultipartFuzz, MutationsNeverEscapeTheInput) {
    const std::string seed =
        "pre\r\n" + form({{"Content-Disposition: form-data; name=\"a\"", "alpha"},
                          {"Content-Disposition: form-data; name=\"f\"; filename*=UTF-8''%41.txt; "
                           "filename=\"x\"\r\nContent-Type: text/plain",
                           "--\r\n--" + boundary.substr(0, 10)}});
    std::mt19937 rng(12345);
    const std::string alphabet = std::string("-\r\n\"';=:%\\ ") + boundary.substr(0, 4);
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string input = seed;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits && !input.empty(); ++e) {
            const std::size_t at = rng() % input.size();
            switch (rng() % 4) {
                case 0:
                    input[at] = alphabet[rng() % alphabet.size()];
                    break;
                case 1:
                    input.erase(at, 1 + rng() % 8);
                    break;
                case 2:
                    input.insert(at, input.substr(rng() % input.size(), 1 + rng() % 16));
                    break;
                default:
                    input.resize(at);
            }
        }
        const auto parts = parse(input, boundary);
        if (!parts) continue;
        ++accepted;
        for (const auto& p : *parts) {
            ASSERT_GE(p.body.data(), input.data());
            ASSERT_LE(p.body.data() + p.body.size(), input.data() + input.size());
        }
        (void)disposition_filename(input.substr(0, 200));
    }
    EXPECT_GT(accepted, 0);  // the mutations did not all miss the format
}

}  // namespace
}  // namespace chat::http::multipart
