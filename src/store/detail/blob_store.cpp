#include "store/blob_store.hpp"

#include "core/random.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <utility>

namespace chat::store {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

/// Closes the descriptor on every path out.
class file_descriptor {
public:
    explicit file_descriptor(int fd) : fd_(fd) {}
    ~file_descriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    file_descriptor(const file_descriptor&) = delete;
    file_descriptor& operator=(const file_descriptor&) = delete;
    int get() const { return fd_; }
    /// Closes now, reporting the error a delayed write may surface here.
    void close(const std::string& what) {
        const int fd = std::exchange(fd_, -1);
        if (::close(fd) != 0) throw_errno(what);
    }

private:
    int fd_;
};

bool is_sha256_hex(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

void fsync_directory(const fs::path& dir) {
    file_descriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) throw_errno("open " + dir.string());
    if (::fsync(fd.get()) != 0) throw_errno("fsync " + dir.string());
}

}  // namespace

blob_store::blob_store(fs::path root) : root_(std::move(root)) {
    fs::create_directories(root_ / "tmp");
}

fs::path blob_store::path_of(std::string_view sha256) const {
    if (!is_sha256_hex(sha256)) throw std::invalid_argument("not a sha256 hex digest");
    return root_ / std::string(sha256.substr(0, 2)) / std::string(sha256);
}

blob_store::stored blob_store::put(std::string_view bytes) {
    stored out{core::sha256_hex(bytes), bytes.size(), false};
    const fs::path target = path_of(out.sha256);
    if (fs::exists(target)) return out;

    const fs::path temp = root_ / "tmp" / (core::uuid_v4() + ".part");
    file_descriptor fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
    if (fd.get() < 0) throw_errno("create " + temp.string());
    try {
        std::size_t done = 0;
        while (done < bytes.size()) {
            const auto n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
            if (n < 0) {
                if (errno == EINTR) continue;
                throw_errno("write " + temp.string());
            }
            done += static_cast<std::size_t>(n);
        }
        if (::fsync(fd.get()) != 0) throw_errno("fsync " + temp.string());
        fd.close("close " + temp.string());
        fs::create_directories(target.parent_path());
        // Two uploads of the same new content may race here: rename replaces
        // atomically, and both files hold the same bytes.
        if (::rename(temp.c_str(), target.c_str()) != 0) throw_errno("rename " + temp.string());
    } catch (...) {
        std::error_code ignored;
        fs::remove(temp, ignored);
        throw;
    }
    fsync_directory(target.parent_path());
    out.written = true;
    return out;
}

std::string blob_store::read(const std::string& sha256, std::uint64_t offset,
                             std::uint64_t length) const {
    const fs::path file = path_of(sha256);
    file_descriptor fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) throw_errno("open " + file.string());
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + file.string());
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (offset >= size) return {};
    std::string out(static_cast<std::size_t>(std::min(length, size - offset)), '\0');
    std::size_t done = 0;
    while (done < out.size()) {
        const auto n = ::pread(fd.get(), out.data() + done, out.size() - done,
                               static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read " + file.string());
        }
        if (n == 0) break;  // shorter than stat said: never, as blobs do not change
        done += static_cast<std::size_t>(n);
    }
    out.resize(done);
    return out;
}

}  // namespace chat::store
