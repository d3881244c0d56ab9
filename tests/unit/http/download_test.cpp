#include "http/download.hpp"

#include <gtest/gtest.h>

namespace chat::http {
namespace {

range_request partial(std::uint64_t offset, std::uint64_t length) {
    return {range_request::partial, offset, length};
}

void expect_range(std::string_view header, std::uint64_t size, range_request expected) {
    const auto r = parse_range(header, size);
    EXPECT_EQ(r.kind, expected.kind) << header;
    EXPECT_EQ(r.offset, expected.offset) << header;
    EXPECT_EQ(r.length, expected.length) << header;
}

TEST(ParseRange, SingleRanges) {
    expect_range("bytes=0-9", 100, partial(0, 10));
    expect_range("bytes=90-", 100, partial(90, 10));
    expect_range("bytes=90-1000", 100, partial(90, 10));
    expect_range("bytes=-5", 100, partial(95, 5));
    expect_range("bytes=-500", 100, partial(0, 100));
    expect_range(" Bytes=1-1 ", 100, partial(1, 1));
}

TEST(ParseRange, UnsatisfiableStartsPastTheEnd) {
    const range_request none{range_request::unsatisfiable, 0, 0};
    expect_range("bytes=100-", 100, none);
    expect_range("bytes=100-200", 100, none);
    expect_range("bytes=-0", 100, none);
}

TEST(ParseRange, AnythingElseMeansTheWholeFile) {
    for (const char* h :
         {"", "bytes", "bytes=", "bytes=a-b", "bytes=5-1", "bytes=0-1,3-4", "items=0-1", "bytes=1",
          "bytes=--1", "bytes=99999999999999999999-", "bytes=1-2-3"}) {
        expect_range(h, 100, range_request{});
    }
}

TEST(EtagMatches, ListsStarAndWeakForms) {
    const std::string tag = "\"abc\"";
    EXPECT_TRUE(etag_matches("\"abc\"", tag));
    EXPECT_TRUE(etag_matches("\"x\", \"abc\"", tag));
    EXPECT_TRUE(etag_matches("W/\"abc\"", tag));
    EXPECT_TRUE(etag_matches(" * ", tag));
    EXPECT_TRUE(etag_matches("\"x\", *", tag));
    EXPECT_TRUE(etag_matches("\"abc\"", "W/\"abc\""));  // weak comparison both ways
    EXPECT_FALSE(etag_matches("\"abcd\"", tag));
    EXPECT_FALSE(etag_matches("\"abd\"", tag));
    EXPECT_FALSE(etag_matches("abc", tag));
    EXPECT_FALSE(etag_matches("", tag));
    EXPECT_FALSE(etag_matches(" , ", tag));
}

TEST(ContentDisposition, AsciiFallbackAndExactUtf8) {
    EXPECT_EQ(content_disposition(disposition::attachment, "report.pdf"),
              "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf");
    EXPECT_EQ(content_disposition(disposition::inline_, "숫자 1.txt"),
              "inline; filename=\"______ 1.txt\"; "
              "filename*=UTF-8''%EC%88%AB%EC%9E%90%201.txt");
    EXPECT_EQ(content_disposition(disposition::attachment, "../../etc/passwd"),
              "attachment; filename=\".._.._etc_passwd\"; filename*=UTF-8''.._.._etc_passwd");
    EXPECT_EQ(content_disposition(disposition::attachment, "a\"b\\c%d\r\ne"),
              "attachment; filename=\"a_b_c_de\"; filename*=UTF-8''a%22b_c%25de");
    EXPECT_EQ(content_disposition(disposition::attachment, "\x01\x02"),
              "attachment; filename=\"file\"; filename*=UTF-8''file");
}

}  // namespace
}  // namespace chat::http
