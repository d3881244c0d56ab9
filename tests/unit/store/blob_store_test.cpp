#include "store/blob_store.hpp"

#include "core/random.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace chat::store {
namespace {

namespace fs = std::filesystem;

class BlobStoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        core::init_crypto();
        std::string pattern = (fs::temp_directory_path() / "blob_test_XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    /// Regular files under the root, temp files included.
    std::size_t files_on_disk() const {
        std::size_t n = 0;
        for (const auto& e : fs::recursive_directory_iterator(dir_)) n += e.is_regular_file();
        return n;
    }
    fs::path dir_;
};

TEST_F(BlobStoreTest, StoresEachContentOnceUnderItsHash) {
    blob_store blobs(dir_ / "files");
    const auto first = blobs.put("hello");
    EXPECT_TRUE(first.written);
    EXPECT_EQ(first.size, 5u);
    EXPECT_EQ(first.sha256, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    EXPECT_EQ(blobs.path_of(first.sha256), dir_ / "files" / "2c" / first.sha256);
    EXPECT_TRUE(fs::exists(blobs.path_of(first.sha256)));

    const auto again = blobs.put("hello");
    EXPECT_FALSE(again.written);
    EXPECT_EQ(again.sha256, first.sha256);
    blobs.put("world");
    EXPECT_EQ(files_on_disk(), 2u);  // no temp file left behind either
}

TEST_F(BlobStoreTest, ReadsRanges) {
    blob_store blobs(dir_);
    const auto b = blobs.put("0123456789");
    EXPECT_EQ(blobs.read(b.sha256, 0, 100), "0123456789");
    EXPECT_EQ(blobs.read(b.sha256, 3, 4), "3456");
    EXPECT_EQ(blobs.read(b.sha256, 8, 100), "89");
    EXPECT_EQ(blobs.read(b.sha256, 10, 1), "");
    std::string binary(70'000, '\0');
    for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7);
    const auto big = blobs.put(binary);
    EXPECT_EQ(blobs.read(big.sha256, 0, binary.size()), binary);
}

TEST_F(BlobStoreTest, RefusesMalformedHashesAndReportsMissingBlobs) {
    blob_store blobs(dir_);
    EXPECT_THROW(blobs.path_of("../../etc/passwd"), std::invalid_argument);
    EXPECT_THROW(blobs.path_of(std::string(64, 'A')), std::invalid_argument);  // upper case
    EXPECT_THROW(blobs.read(std::string(63, 'a'), 0, 1), std::invalid_argument);
    try {
        blobs.read(std::string(64, 'a'), 0, 1);
        FAIL() << "expected an error";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), std::errc::no_such_file_or_directory);
    }
}

}  // namespace
}  // namespace chat::store
