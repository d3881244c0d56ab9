#include "relay/detail/redis_connection.hpp"

#include <hiredis/hiredis.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <new>
#include <system_error>
#include <vector>

namespace chat::relay::detail {
namespace {

int make_eventfd() {
    const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    return fd;
}

// Milliseconds for poll(), rounded up so a wait never ends just before its deadline
// and spins.
int poll_timeout(clock::time_point now, clock::time_point deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
    return static_cast<int>(std::clamp<std::int64_t>(left, 0, INT_MAX));
}

std::string describe(const redisContext* c) {
    if (c->err == REDIS_ERR_EOF) return "Redis closed the connection";
    return c->errstr[0] != '\0' ? std::string(c->errstr) : std::string("I/O error");
}

// Numeric addresses of `host`, in resolver order, without repeats: hiredis 0.14
// tries only the first address it resolves, so "localhost" would fail when Redis
// listens on 127.0.0.1 and ::1 comes first.
std::vector<std::string> resolve(const std::string& host, std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
    if (rc != 0) {
        error = "cannot resolve " + host + ": " + ::gai_strerror(rc);
        return {};
    }
    std::vector<std::string> out;
    for (const addrinfo* p = list; p != nullptr; p = p->ai_next) {
        char text[INET6_ADDRSTRLEN] = {};
        const void* raw = nullptr;
        if (p->ai_family == AF_INET) {
            raw = &reinterpret_cast<const sockaddr_in*>(p->ai_addr)->sin_addr;
        } else if (p->ai_family == AF_INET6) {
            raw = &reinterpret_cast<const sockaddr_in6*>(p->ai_addr)->sin6_addr;
        } else {
            continue;
        }
        if (::inet_ntop(p->ai_family, raw, text, sizeof text) == nullptr) continue;
        if (std::find(out.begin(), out.end(), text) == out.end()) out.emplace_back(text);
    }
    ::freeaddrinfo(list);
    if (out.empty()) error = "no address for " + host;
    return out;
}

}  // namespace

stop_signal::stop_signal() : fd(make_eventfd()) {}

stop_signal::~stop_signal() {
    ::close(fd);
}

void stop_signal::raise(clock::time_point drain_deadline) noexcept {
    if (raised_.load(std::memory_order_acquire)) return;
    drain_until_.store(drain_deadline.time_since_epoch().count(), std::memory_order_relaxed);
    raised_.store(true, std::memory_order_release);
    const std::uint64_t one = 1;
    // The fd is never read, so it stays readable: every later poll() sees the stop.
    [[maybe_unused]] const auto n = ::write(fd, &one, sizeof one);
}

clock::time_point stop_signal::drain_deadline() const noexcept {
    return clock::time_point(clock::duration(drain_until_.load(std::memory_order_relaxed)));
}

bool stop_signal::sleep_for(std::chrono::milliseconds d) const noexcept {
    const auto deadline = clock::now() + d;
    while (!raised()) {
        const auto now = clock::now();
        if (now >= deadline) break;
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, poll_timeout(now, deadline));
    }
    return raised();
}

wakeup::wakeup() : fd(make_eventfd()) {}

wakeup::~wakeup() {
    ::close(fd);
}

void wakeup::notify() noexcept {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(fd, &one, sizeof one);
}

void wakeup::clear() noexcept {
    std::uint64_t value = 0;
    [[maybe_unused]] const auto n = ::read(fd, &value, sizeof value);
}

void reply_deleter::operator()(redisReply* r) const noexcept {
    freeReplyObject(r);
}

io_result redis_connection::open(const redis_endpoint& ep, clock::time_point deadline) {
    close();
    error_.clear();
    std::string resolve_error;
    const auto addresses = resolve(ep.host, resolve_error);
    if (addresses.empty()) return abandon(std::move(resolve_error));

    io_result r = io_result::error;
    std::string errors;
    for (const auto& address : addresses) {
        r = connect_one(address, ep.port, deadline);
        if (r == io_result::ok || r == io_result::stopped) break;
        if (!errors.empty()) errors += "; ";
        errors += error_;
    }
    if (r == io_result::stopped) return r;
    if (r != io_result::ok) return abandon(std::move(errors));

    // A peer that vanished without a FIN (host down, cable) is found by keep-alive
    // even when this side never writes; the ping interval usually notices first.
    redisEnableKeepAlive(ctx_);

    if (!ep.password.empty()) {
        if (ep.user.empty()) {
            append({"AUTH", ep.password});
        } else {
            append({"AUTH", ep.user, ep.password});
        }
        reply_ptr reply;
        if (r = flush(deadline); r == io_result::ok) r = read(reply, deadline);
        if (r == io_result::timeout) return abandon("timed out authenticating");
        if (r != io_result::ok) return r;
        if (reply->type == REDIS_REPLY_ERROR) {
            // Redis' text ("WRONGPASS invalid username-password pair ...") never echoes
            // the password, so it is safe to log.
            return abandon("AUTH refused: " + std::string(reply->str, reply->len));
        }
    }
    return io_result::ok;
}

io_result redis_connection::connect_one(const std::string& address, std::uint16_t port,
                                        clock::time_point deadline) {
    redisContext* c = redisConnectNonBlock(address.c_str(), port);
    if (c == nullptr) throw std::bad_alloc();
    if (c->err != 0) {
        error_ = address + ": " + describe(c);
        redisFree(c);
        return io_result::error;
    }
    ctx_ = c;
    const auto r = wait(POLLOUT, deadline);
    if (r == io_result::timeout) return abandon(address + ": connect timed out");
    if (r != io_result::ok) {
        close();
        return r;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(ctx_->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) return abandon(address + ": " + std::strerror(err));
    return io_result::ok;
}

void redis_connection::close() noexcept {
    if (ctx_ != nullptr) {
        redisFree(ctx_);
        ctx_ = nullptr;
    }
}

void redis_connection::append(std::initializer_list<std::string_view> args) {
    constexpr std::size_t max_args = 4;
    const char* argv[max_args];
    std::size_t lengths[max_args];
    std::size_t n = 0;
    for (const auto a : args) {
        if (n == max_args)
            throw std::invalid_argument("redis_connection::append: too many arguments");
        argv[n] = a.data();
        lengths[n] = a.size();
        ++n;
    }
    // The argv form is binary safe: payloads may hold any byte.
    if (redisAppendCommandArgv(ctx_, static_cast<int>(n), argv, lengths) != REDIS_OK) {
        throw std::bad_alloc();
    }
}

io_result redis_connection::flush(clock::time_point deadline) {
    for (;;) {
        int done = 0;
        if (redisBufferWrite(ctx_, &done) != REDIS_OK) return abandon(describe(ctx_));
        if (done != 0) return io_result::ok;
        if (const auto r = wait(POLLOUT, deadline); r != io_result::ok) return r;
    }
}

io_result redis_connection::read(reply_ptr& out, clock::time_point deadline) {
    for (;;) {
        void* raw = nullptr;
        if (redisGetReplyFromReader(ctx_, &raw) != REDIS_OK) return abandon(describe(ctx_));
        if (raw != nullptr) {
            out.reset(static_cast<redisReply*>(raw));
            return io_result::ok;
        }
        if (const auto r = wait(POLLIN, deadline); r != io_result::ok) return r;
        if (redisBufferRead(ctx_) != REDIS_OK) return abandon(describe(ctx_));
    }
}

io_result redis_connection::wait_idle(const wakeup& wake, clock::time_point deadline) {
    for (;;) {
        const auto r = wait(POLLIN, deadline, wake.fd);
        if (r != io_result::ok) return r;
        // Nothing is outstanding, so readable means closed (a restart) or a protocol breach.
        if (redisBufferRead(ctx_) != REDIS_OK) return abandon(describe(ctx_));
        void* raw = nullptr;
        if (redisGetReplyFromReader(ctx_, &raw) != REDIS_OK) return abandon(describe(ctx_));
        if (raw != nullptr) {
            freeReplyObject(raw);
            return abandon("unexpected reply from Redis on an idle connection");
        }
    }
}

io_result redis_connection::abandon(std::string what) {
    error_ = std::move(what);
    close();
    return io_result::error;
}

io_result redis_connection::wait(short events, clock::time_point deadline, int extra_fd) {
    for (;;) {
        if (stop_.raised()) {
            if (policy_ == on_stop::abort) return io_result::stopped;
            if (!stop_seen_) {
                stop_seen_ = true;
                deadline = std::min(deadline, stop_.drain_deadline());
            }
        }
        const auto now = clock::now();
        if (now >= deadline) return io_result::timeout;

        pollfd fds[3];
        nfds_t n = 0;
        fds[n++] = pollfd{ctx_->fd, events, 0};
        const nfds_t stop_at = stop_seen_ ? 0 : n;
        if (!stop_seen_) fds[n++] = pollfd{stop_.fd, POLLIN, 0};
        const nfds_t extra_at = extra_fd >= 0 ? n : 0;
        if (extra_fd >= 0) fds[n++] = pollfd{extra_fd, POLLIN, 0};

        const int rc = ::poll(fds, n, poll_timeout(now, deadline));
        if (rc < 0) {
            if (errno == EINTR) continue;
            return abandon(std::string("poll: ") + std::strerror(errno));
        }
        if (rc == 0) continue;  // the loop head decides about the deadline
        if (stop_at != 0 && fds[stop_at].revents != 0) continue;  // handled at the loop head
        if (extra_at != 0 && fds[extra_at].revents != 0) return io_result::woken;
        // POLLERR / POLLHUP count as ready: the following read or write reports them.
        if (fds[0].revents != 0) return io_result::ok;
    }
}

}  // namespace chat::relay::detail
