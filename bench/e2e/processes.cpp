#include "processes.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

extern char** environ;

namespace chat::bench {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

child_process::child_process(std::vector<std::string> argv, fs::path log) : log_(std::move(log)) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    std::vector<char*> env;
    for (char** e = environ; *e; ++e) {
        if (std::strncmp(*e, "SIMPLE_CHAT_", 12) != 0) env.push_back(*e);
    }
    env.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    const int rc = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        pid_ = 0;
        throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    }
}

child_process::child_process(child_process&& other) noexcept
    : pid_(std::exchange(other.pid_, 0)), log_(std::move(other.log_)) {}

child_process::~child_process() {
    stop(5s);
}

bool child_process::running() {
    if (pid_ == 0) return false;
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
        pid_ = 0;
        return false;
    }
    return true;
}

bool child_process::stop(std::chrono::milliseconds grace) {
    if (!running()) return true;
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running()) return true;
        std::this_thread::sleep_for(10ms);
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = 0;
    return false;
}

std::string child_process::log_tail(std::size_t max_bytes) const {
    std::ifstream in(log_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto text = ss.str();
    return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

unsigned short free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port: " + std::string(std::strerror(errno)));
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

namespace {

// One PING on a fresh connection; true on +PONG.
bool redis_ping(unsigned short port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    bool ok = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::write(fd, "PING\r\n", 6) == 6) {
        char reply[16] = {};
        ok = ::read(fd, reply, sizeof reply - 1) >= 5 && std::strncmp(reply, "+PONG", 5) == 0;
    }
    ::close(fd);
    return ok;
}

}  // namespace

redis_node start_redis(const std::string& redis_server, const fs::path& dir) {
    std::string why;
    for (int attempt = 0; attempt < 5; ++attempt) {
        const auto port = free_port();
        child_process p({redis_server, "--port", std::to_string(port), "--bind", "127.0.0.1",
                         "--save", "", "--appendonly", "no", "--dir", dir.string()},
                        dir / ("redis-" + std::to_string(port) + ".log"));
        for (int i = 0; i < 200 && p.running(); ++i) {
            if (redis_ping(port)) return {std::move(p), port};
            std::this_thread::sleep_for(25ms);
        }
        why = p.log_tail();
    }
    throw std::runtime_error("redis-server did not start:\n" + why);
}

chat_node start_chat_node(const std::string& binary, const std::string& role,
                          const std::vector<std::string>& args, const fs::path& log) {
    std::vector<std::string> argv{binary, role, "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), args.begin(), args.end());
    child_process p(std::move(argv), log);
    static const std::regex listening(R"(listening on 127\.0\.0\.1:(\d+))");
    for (int i = 0; i < 600 && p.running(); ++i) {
        std::ifstream in(log);
        std::stringstream ss;
        ss << in.rdbuf();
        const auto text = ss.str();
        std::smatch m;
        if (std::regex_search(text, m, listening)) {
            return {std::move(p), static_cast<unsigned short>(std::stoul(m[1].str()))};
        }
        std::this_thread::sleep_for(50ms);
    }
    const auto tail = p.log_tail();
    p.stop(std::chrono::seconds(1));
    throw std::runtime_error("simple-chat " + role + " did not start listening:\n" + tail);
}

}  // namespace chat::bench
