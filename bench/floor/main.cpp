// write_floor: the CPU cost of one bare write() of a small frame to each of N
// loopback TCP sockets — the floor under the gateway's cost per delivery.
//
// The process forks: the child connects N sockets and drains them (as the
// load generator's clients do), the parent accepts them and writes one
// `--bytes` buffer to each socket in turn, `--rounds` times, as the gateway
// writes one event to every socket of a room. On loopback the receiver's TCP
// work (the softirq that queues the segment on the peer socket and wakes it)
// runs in the writer's context, so the writer's CPU per write includes it,
// just as the gateway's does. Prints `name value` lines.

#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace {

struct options {
    std::size_t sockets = 1000;
    std::size_t rounds = 50;
    std::size_t bytes = 110;
    bool nodelay = false;
};

[[noreturn]] void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

void raise_fd_limit(std::size_t wanted) {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < wanted) {
        rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, wanted);
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

std::uint64_t thread_cpu_ns(std::uint64_t* user_ns = nullptr) {
    rusage ru{};
    getrusage(RUSAGE_THREAD, &ru);
    const auto ns = [](const timeval& tv) {
        return static_cast<std::uint64_t>(tv.tv_sec) * 1'000'000'000ULL +
               static_cast<std::uint64_t>(tv.tv_usec) * 1'000ULL;
    };
    if (user_ns) *user_ns = ns(ru.ru_utime);
    return ns(ru.ru_utime) + ns(ru.ru_stime);
}

// The child: connect every socket, then read until each one reaches EOF.
[[noreturn]] void connect_and_drain(const sockaddr_in& server, std::size_t sockets) {
    try {
        const int ep = epoll_create1(0);
        if (ep < 0) fail("epoll_create1");
        for (std::size_t i = 0; i < sockets; ++i) {
            const int fd = socket(AF_INET, SOCK_STREAM, 0);
            if (fd < 0) fail("socket");
            if (connect(fd, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) {
                fail("connect");
            }
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.fd = fd;
            if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) fail("epoll_ctl");
        }
        std::vector<epoll_event> events(1024);
        std::vector<char> buffer(64 * 1024);
        for (std::size_t open = sockets; open > 0;) {
            const int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail("epoll_wait");
            for (int i = 0; i < n; ++i) {
                const int fd = events[static_cast<std::size_t>(i)].data.fd;
                const ssize_t got = read(fd, buffer.data(), buffer.size());
                if (got <= 0) {
                    close(fd);
                    --open;
                }
            }
        }
        _exit(0);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "write_floor (reader): %s\n", e.what());
        _exit(1);
    }
}

int run(const options& o) {
    raise_fd_limit(o.sockets + 64);
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    if (listener < 0) fail("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail("bind");
    if (listen(listener, SOMAXCONN) != 0) fail("listen");
    socklen_t len = sizeof addr;
    getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);

    std::fflush(stdout);
    const pid_t child = fork();
    if (child < 0) fail("fork");
    if (child == 0) {
        close(listener);
        connect_and_drain(addr, o.sockets);
    }
    std::vector<int> fds;
    fds.reserve(o.sockets);
    while (fds.size() < o.sockets) {
        const int fd = accept(listener, nullptr, nullptr);
        if (fd < 0) fail("accept");
        if (o.nodelay) {
            const int on = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
        }
        fds.push_back(fd);
    }
    close(listener);

    const std::string frame(o.bytes, 'x');
    auto write_round = [&] {
        for (const int fd : fds) {
            if (write(fd, frame.data(), frame.size()) != static_cast<ssize_t>(frame.size())) {
                fail("write");
            }
        }
    };
    write_round();  // warm-up: first segment on each connection
    std::uint64_t user0 = 0;
    std::uint64_t user1 = 0;
    const auto wall0 = std::chrono::steady_clock::now();
    const std::uint64_t cpu0 = thread_cpu_ns(&user0);
    for (std::size_t r = 0; r < o.rounds; ++r) write_round();
    const std::uint64_t cpu1 = thread_cpu_ns(&user1);
    const auto wall1 = std::chrono::steady_clock::now();
    for (const int fd : fds) close(fd);
    int status = 0;
    waitpid(child, &status, 0);

    const double writes = static_cast<double>(o.sockets * o.rounds);
    const double wall_s = std::chrono::duration<double>(wall1 - wall0).count();
    const auto row = [](const char* name, double value, int decimals) {
        std::printf("%-24s %.*f\n", name, decimals, value);
    };
    row("floor_sockets", static_cast<double>(o.sockets), 0);
    row("floor_bytes", static_cast<double>(o.bytes), 0);
    row("floor_writes", writes, 0);
    row("floor_cpu_per_write_us", static_cast<double>(cpu1 - cpu0) / writes / 1e3, 3);
    row("floor_user_per_write_us", static_cast<double>(user1 - user0) / writes / 1e3, 3);
    row("floor_writes_per_s", writes / wall_s, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"CPU per write() of a small buffer to each of N loopback TCP sockets"};
    options o;
    app.add_option("--sockets", o.sockets, "Loopback connections")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--rounds", o.rounds, "Writes per socket (after one warm-up write)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--bytes", o.bytes, "Bytes per write (a relay event frame is ~200)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_flag("--nodelay", o.nodelay, "TCP_NODELAY on the writing side (the gateway: off)");
    CLI11_PARSE(app, argc, argv);
    try {
        return run(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "write_floor: %s\n", e.what());
        return 1;
    }
}
