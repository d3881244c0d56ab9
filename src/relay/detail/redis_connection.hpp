#pragma once
// One hiredis connection driven by poll() with deadlines, for a thread that owns it.
// hiredis' blocking mode turns a read timeout into a dead context and cannot be
// interrupted, so the socket stays non-blocking and every wait also watches a stop
// eventfd: stop() is honoured at once, even during a connect to an unresponsive host.

#include "relay/redis_bus.hpp"

#include <atomic>
#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

struct redisContext;
struct redisReply;

namespace chat::relay::detail {

using clock = std::chrono::steady_clock;

/// Shared by a bus and its connections: `fd` (an eventfd) becomes readable, for good,
/// when the bus stops; `drain_until` is stored before that.
struct stop_signal {
    stop_signal();
    ~stop_signal();
    stop_signal(const stop_signal&) = delete;
    stop_signal& operator=(const stop_signal&) = delete;

    /// Makes `fd` readable. Thread safe; idempotent.
    void raise(clock::time_point drain_deadline) noexcept;
    bool raised() const noexcept { return raised_.load(std::memory_order_acquire); }
    clock::time_point drain_deadline() const noexcept;
    /// Sleeps for `d` or until raised; true when raised.
    bool sleep_for(std::chrono::milliseconds d) const noexcept;

    const int fd;

private:
    std::atomic<bool> raised_{false};
    std::atomic<clock::rep> drain_until_{0};
};

/// A wakeup eventfd: notify() from any thread, the owner polls it and clears it.
struct wakeup {
    wakeup();
    ~wakeup();
    wakeup(const wakeup&) = delete;
    wakeup& operator=(const wakeup&) = delete;

    void notify() noexcept;
    void clear() noexcept;

    const int fd;
};

struct reply_deleter {
    void operator()(redisReply* r) const noexcept;
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

/// What a stop does to a connection's waits: `abort` ends them (subscriber);
/// `drain` shortens them to the drain deadline so queued work can still finish.
enum class on_stop { abort, drain };

enum class io_result {
    ok,
    error,    // connection broken or refused; see error()
    timeout,  // the deadline passed
    stopped,  // the stop signal (on_stop::abort only)
    woken,    // the extra wakeup fd (wait_idle only)
};

/// Not thread safe: one owning thread. Closed when constructed and after any error.
class redis_connection {
public:
    redis_connection(const stop_signal& stop, on_stop policy) : stop_(stop), policy_(policy) {}
    ~redis_connection() { close(); }
    redis_connection(const redis_connection&) = delete;
    redis_connection& operator=(const redis_connection&) = delete;

    /// Resolves the host, connects to each address in turn, enables TCP keep-alive and
    /// sends AUTH when the endpoint has a password, all before `deadline`. Name
    /// resolution (getaddrinfo) is the one step neither the deadline nor a stop cuts
    /// short; use an address or a local resolver where that matters.
    io_result open(const redis_endpoint& ep, clock::time_point deadline);
    void close() noexcept;
    bool is_open() const noexcept { return ctx_ != nullptr; }

    /// Adds one command, binary safe, to the output buffer; no I/O. Needs is_open().
    void append(std::initializer_list<std::string_view> args);
    /// Writes the whole output buffer.
    io_result flush(clock::time_point deadline);
    /// The next reply: one already read, or one read from the socket before `deadline`.
    /// An error reply is a reply (REDIS_REPLY_ERROR), not io_result::error.
    io_result read(reply_ptr& out, clock::time_point deadline);
    /// Waits for data from the server or `wake` until `deadline` without taking a
    /// reply: returns ok when a reply is ready, error when the server closed.
    io_result wait_idle(const wakeup& wake, clock::time_point deadline);

    /// Closes the connection, recording `why` as its error; returns io_result::error.
    io_result abandon(std::string why);
    /// Text of the last error; never contains the password.
    const std::string& error() const noexcept { return error_; }

private:
    io_result wait(short events, clock::time_point deadline, int extra_fd = -1);
    io_result connect_one(const std::string& address, std::uint16_t port,
                          clock::time_point deadline);

    const stop_signal& stop_;
    on_stop policy_;
    bool stop_seen_ = false;  // drain policy: the deadline is already shortened
    redisContext* ctx_ = nullptr;
    std::string error_;
};

}  // namespace chat::relay::detail
