#pragma once
// The servers e2e_latency runs for one measurement: a child process with its
// output in a log file, and the ways to start redis-server and simple-chat
// nodes on free 127.0.0.1 ports.
//
// Thread safety: one controlling thread. Every child is stopped (SIGTERM,
// then SIGKILL after a grace period) by its destructor at the latest.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace chat::bench {

class child_process {
public:
    /// Starts argv[0] (looked up in PATH) with stdout and stderr appended to
    /// `log` and an environment without SIMPLE_CHAT_* variables, so only the
    /// flags count. Throws std::runtime_error if it cannot be started.
    child_process(std::vector<std::string> argv, std::filesystem::path log);
    ~child_process();
    child_process(child_process&& other) noexcept;
    child_process& operator=(child_process&&) = delete;
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    pid_t pid() const { return pid_; }
    const std::filesystem::path& log() const { return log_; }
    bool running();
    /// SIGTERM, wait up to `grace`, then SIGKILL. Returns true if it exited
    /// within the grace period. Idempotent.
    bool stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
    /// The log's last `max_bytes`, for error messages.
    std::string log_tail(std::size_t max_bytes = 2000) const;

private:
    pid_t pid_ = 0;
    std::filesystem::path log_;
};

/// A port on 127.0.0.1 that was free a moment ago (the kernel's choice).
unsigned short free_port();

/// redis-server on a free port, no persistence, files in `dir`; ready when
/// it answered PING. Retries with another port if the first was taken.
struct redis_node {
    child_process process;
    unsigned short port;
};
redis_node start_redis(const std::string& redis_server, const std::filesystem::path& dir);

/// `simple-chat <role> --listen 127.0.0.1:0 ...`; ready when it printed its
/// "listening on" line, whose port it returns.
struct chat_node {
    child_process process;
    unsigned short port;
};
chat_node start_chat_node(const std::string& binary, const std::string& role,
                          const std::vector<std::string>& args, const std::filesystem::path& log);

}  // namespace chat::bench
