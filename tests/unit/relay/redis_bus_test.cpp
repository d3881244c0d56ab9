// The Redis bus against a real redis-server: each test starts its own on a free
// loopback port with an empty directory and no persistence, and may kill it.

#include "relay/redis_bus.hpp"

#include "core/metrics.hpp"
#include "relay/event.hpp"

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace chat::relay {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// Generous: the suite also runs under sanitizers on two loaded cores.
constexpr auto patience = 10s;

bool eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds limit = patience) {
    const auto deadline = clock_type::now() + limit;
    while (!condition()) {
        if (clock_type::now() >= deadline) return false;
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        throw std::runtime_error("no free loopback port");
    }
    ::close(fd);
    return ntohs(addr.sin_port);
}

std::string find_redis_server() {
    std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
    path += ":/usr/bin:/usr/sbin:/usr/local/bin";
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto end = std::min(path.find(':', start), path.size());
        const auto candidate = path.substr(start, end - start) + "/redis-server";
        if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return {};
}

struct reply_free {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_free>;

/// A throw-away redis-server child process. kill() is a crash (SIGKILL); start()
/// again brings it back on the same port, empty.
class redis_server {
public:
    explicit redis_server(std::string binary) : binary_(std::move(binary)) {
        char tmpl[] = "/tmp/simple-chat-redis-XXXXXX";
        if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
    }
    ~redis_server() {
        kill();
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    void start() {
        // A fresh port may be taken between free_port() and the bind; then try another.
        for (int attempt = 0; attempt < 5; ++attempt) {
            if (port_ == 0 || (attempt > 0 && !keep_port_)) port_ = free_port();
            if (spawn_and_wait()) {
                keep_port_ = true;  // restarts must reuse it: clients reconnect there
                return;
            }
        }
        throw std::runtime_error("redis-server did not start; see " + dir_ + "/redis.log");
    }

    void kill() {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
        pid_ = 0;
    }
    void pause() { ::kill(pid_, SIGSTOP); }
    void resume() { ::kill(pid_, SIGCONT); }

    std::uint16_t port() const { return port_; }
    std::string url(const std::string& userinfo = "") const {
        return "redis://" + userinfo + "127.0.0.1:" + std::to_string(port_);
    }

    /// Runs one command on a fresh connection, like redis-cli.
    reply_ptr command(const std::vector<std::string>& args) const {
        redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, timeval{2, 0});
        if (c == nullptr || c->err != 0) {
            if (c != nullptr) redisFree(c);
            return nullptr;
        }
        redisSetTimeout(c, timeval{5, 0});
        std::vector<const char*> argv;
        std::vector<std::size_t> lengths;
        for (const auto& a : args) {
            argv.push_back(a.data());
            lengths.push_back(a.size());
        }
        auto* r = static_cast<redisReply*>(
            redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lengths.data()));
        redisFree(c);
        return reply_ptr(r);
    }

    /// An ACL user allowed every command and, unless told otherwise, every channel.
    void add_user(const std::string& name, const std::string& password,
                  const std::string& channels = "allchannels") const {
        auto r =
            command({"ACL", "SETUSER", name, "on", ">" + password, "allkeys", channels, "+@all"});
        if (!r || r->type == REDIS_REPLY_ERROR) throw std::runtime_error("ACL SETUSER failed");
    }

private:
    bool spawn_and_wait() {
        const std::string port = std::to_string(port_);
        const std::string log = dir_ + "/redis.log";
        std::vector<std::string> args{
            binary_,        "--port", port,    "--bind", "127.0.0.1",   "--save", "",
            "--appendonly", "no",     "--dir", dir_,     "--daemonize", "no"};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);

        const pid_t pid = ::fork();
        if (pid < 0) throw std::runtime_error("fork failed");
        if (pid == 0) {
            // Only async-signal-safe calls between fork and exec: the parent has threads.
            const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
            if (fd >= 0) {
                ::dup2(fd, 1);
                ::dup2(fd, 2);
            }
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        pid_ = pid;
        const auto deadline = clock_type::now() + patience;
        while (clock_type::now() < deadline) {
            if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = 0;  // exited: the port was taken
                return false;
            }
            auto r = command({"PING"});
            if (r && r->type == REDIS_REPLY_STATUS) return true;
            std::this_thread::sleep_for(20ms);
        }
        kill();
        return false;
    }

    std::string binary_;
    std::string dir_;
    std::uint16_t port_ = 0;
    bool keep_port_ = false;
    pid_t pid_ = 0;
};

/// Collects what a subscriber receives.
class inbox {
public:
    subscriber sink() {
        return [this](std::shared_ptr<const std::string> p) {
            std::lock_guard lock(mutex_);
            got_.push_back(std::move(p));
        };
    }
    bool wait_for(std::size_t n, std::chrono::milliseconds limit = patience) {
        return eventually([&] { return size() >= n; }, limit);
    }
    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return got_.size();
    }
    std::vector<std::string> texts() const {
        std::lock_guard lock(mutex_);
        std::vector<std::string> out;
        for (const auto& p : got_) out.push_back(*p);
        return out;
    }
    std::shared_ptr<const std::string> at(std::size_t i) const {
        std::lock_guard lock(mutex_);
        return got_.at(i);
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<const std::string>> got_;
};

std::uint64_t counter_value(core::registry& r, const std::string& name,
                            const core::labels& l = {}) {
    return r.get_counter(name, "", l).value();
}

redis_config quick(std::string url) {
    redis_config c;
    c.url = std::move(url);
    // Small delays keep the tests quick; correctness never depends on them.
    c.backoff_min = 20ms;
    c.backoff_max = 200ms;
    return c;
}

std::vector<std::string> numbered(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i <= to; ++i) out.push_back(std::to_string(i));
    return out;
}

// Builds spdlog's default logger before any bus thread logs, as the app's main does.
// Its lazy construction is thread safe, but inside the uninstrumented libspdlog, so
// ThreadSanitizer would report two bus threads racing on it.
const auto* const logger_ready = spdlog::default_logger_raw();

// --- URL parsing ------------------------------------------------------------------

redis_endpoint endpoint(std::string host, std::uint16_t port, std::string user = "",
                        std::string password = "", int db = 0) {
    return redis_endpoint{std::move(host), port, std::move(user), std::move(password), db};
}

TEST(RedisUrl, ParsesHostPortAndDefaults) {
    EXPECT_EQ(parse_redis_url("redis://127.0.0.1:6379"), endpoint("127.0.0.1", 6379));
    EXPECT_EQ(parse_redis_url("redis://localhost"), endpoint("localhost", 6379));
    EXPECT_EQ(parse_redis_url("redis://cache.internal:7000/"), endpoint("cache.internal", 7000));
    EXPECT_EQ(parse_redis_url("REDIS://Host:1"), endpoint("Host", 1));
    EXPECT_EQ(parse_redis_url("redis://[::1]:6380"), endpoint("::1", 6380));
}

TEST(RedisUrl, ParsesCredentialsAndDatabase) {
    EXPECT_EQ(parse_redis_url("redis://:s3cret@h:7000/2"), endpoint("h", 7000, "", "s3cret", 2));
    EXPECT_EQ(parse_redis_url("redis://alice:pw@h"), endpoint("h", 6379, "alice", "pw", 0));
    // Percent-encoding lets a password hold '@', ':' and '/'.
    EXPECT_EQ(parse_redis_url("redis://alice:p%40ss%3Aw%2Frd@h/15"),
              endpoint("h", 6379, "alice", "p@ss:w/rd", 15));
    EXPECT_EQ(parse_redis_url("redis://@h"), endpoint("h", 6379));
}

TEST(RedisUrl, RefusesWhatItCannotHonour) {
    for (const char* bad :
         {"", "not a url", "http://h", "rediss://h", "unix:///tmp/redis.sock", "redis://",
          "redis://:pw@", "redis://h:0", "redis://h:65536", "redis://h:x", "redis://alice@h",
          "redis://alice:@h", "redis://h/db", "redis://h/1/2", "redis://h/-1", "redis://h?x=1",
          "redis://h#f", "redis://[v1.x]"}) {
        EXPECT_THROW(parse_redis_url(bad), std::invalid_argument) << bad;
    }
}

TEST(RedisUrl, ErrorsNeverShowThePassword) {
    for (const char* bad :
         {"redis://alice:topsecret@h/x", "rediss://:topsecret@h", "redis://:topsecret@h:99999"}) {
        try {
            parse_redis_url(bad);
            ADD_FAILURE() << "accepted";
        } catch (const std::invalid_argument& e) {
            EXPECT_EQ(std::string(e.what()).find("topsecret"), std::string::npos) << e.what();
        }
    }
}

TEST(RedisBusConfig, RefusesBadSettingsAtOnce) {
    core::registry metrics;
    auto bad_url = quick("http://h");
    EXPECT_THROW(make_redis_bus(bad_url, metrics), std::invalid_argument);
    auto no_channel = quick("redis://127.0.0.1:1");
    no_channel.channel.clear();
    EXPECT_THROW(make_redis_bus(no_channel, metrics), std::invalid_argument);
    auto no_queue = quick("redis://127.0.0.1:1");
    no_queue.max_pending_publishes = 0;
    EXPECT_THROW(make_redis_bus(no_queue, metrics), std::invalid_argument);
    auto backwards = quick("redis://127.0.0.1:1");
    backwards.backoff_max = 1ms;
    EXPECT_THROW(make_redis_bus(backwards, metrics), std::invalid_argument);
}

// --- without a server -------------------------------------------------------------

TEST(RedisBusDown, StopIsPromptAndCountsWhatWasQueued) {
    core::registry metrics;
    auto bus = make_redis_bus(quick("redis://127.0.0.1:" + std::to_string(free_port())), metrics);
    for (int i = 0; i < 10; ++i) bus->publish("queued");
    ASSERT_TRUE(eventually([&] {
        return counter_value(metrics, "chat_relay_redis_connection_errors_total",
                             {{"role", "publisher"}}) >= 2 &&
               counter_value(metrics, "chat_relay_redis_connection_errors_total",
                             {{"role", "subscriber"}}) >= 2;
    }));
    EXPECT_FALSE(bus->healthy());
    EXPECT_EQ(bus->state().pending, 10u);

    const auto started = clock_type::now();
    bus->stop();
    EXPECT_LT(clock_type::now() - started, 1s);
    EXPECT_EQ(counter_value(metrics, "chat_relay_redis_dropped_total"), 10u);
    bus->stop();  // idempotent
    bus->publish("after stop");
    EXPECT_EQ(counter_value(metrics, "chat_relay_redis_dropped_total"), 11u);
}

// --- against redis-server -----------------------------------------------------------

class RedisBusTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto binary = find_redis_server();
        if (binary.empty()) {
            GTEST_SKIP() << "redis-server is not installed (scripts/install-deps --test "
                            "installs it)";
        }
        server_ = std::make_unique<redis_server>(binary);
        server_->start();
    }

    std::unique_ptr<redis_bus> make_bus(core::registry& metrics, const std::string& userinfo = "",
                                        const std::function<void(redis_config&)>& tune = {}) {
        auto config = quick(server_->url(userinfo));
        if (tune) tune(config);
        return make_redis_bus(std::move(config), metrics);
    }

    static void wait_healthy(redis_bus& bus) {
        ASSERT_TRUE(eventually([&] { return bus.healthy(); })) << "bus never became healthy";
    }

    std::unique_ptr<redis_server> server_;
};

TEST_F(RedisBusTest, PublishReachesAnotherBusByteForByte) {
    core::registry sub_metrics, pub_metrics;
    auto receiver = make_bus(sub_metrics);
    auto sender = make_bus(pub_metrics);
    inbox first, second;
    receiver->subscribe(first.sink());
    receiver->subscribe(second.sink());
    wait_healthy(*receiver);
    wait_healthy(*sender);

    std::string binary;
    for (int c = 0; c < 256; ++c) binary.push_back(static_cast<char>(c));  // NUL, CR LF, ...
    const std::string event =
        R"({"relay-type":"chat","roomId":"r1","timestamp":"2026-11-29T13:40:00.123Z","msg-type":"room.msg.new","seq":7})";
    sender->publish(binary);
    sender->publish(event);

    ASSERT_TRUE(first.wait_for(2));
    ASSERT_TRUE(second.wait_for(2));
    EXPECT_EQ(first.texts(), (std::vector<std::string>{binary, event}));
    // One shared object per message for every subscriber.
    EXPECT_EQ(first.at(0).get(), second.at(0).get());
    EXPECT_EQ(counter_value(pub_metrics, "chat_relay_redis_published_total"), 2u);
    EXPECT_EQ(counter_value(sub_metrics, "chat_relay_redis_received_total"), 2u);
    EXPECT_EQ(
        sub_metrics.get_gauge("chat_relay_redis_connected", "", {{"role", "subscriber"}}).value(),
        1);
}

TEST_F(RedisBusTest, ExternalPublishReachesSubscribers) {
    core::registry metrics;
    auto bus = make_bus(metrics);
    inbox got;
    bus->subscribe(got.sink());
    wait_healthy(*bus);

    // What `redis-cli PUBLISH relay '…'` sends (SPEC §3).
    const std::string event =
        R"({"relay-type":"all","timestamp":"2026-11-29T13:40:00.123Z","msg-type":"all.service-check"})";
    auto reply = server_->command({"PUBLISH", "relay", event});
    ASSERT_TRUE(reply);
    ASSERT_EQ(reply->type, REDIS_REPLY_INTEGER);
    EXPECT_EQ(reply->integer, 1);  // exactly one subscription: this bus

    ASSERT_TRUE(got.wait_for(1));
    EXPECT_EQ(*got.at(0), event);
    const auto parsed = parse(*got.at(0));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(parsed->msg_type, "all.service-check");
}

TEST_F(RedisBusTest, ChannelIsConfigurable) {
    core::registry m1, m2, m3;
    auto on_relay = make_bus(m1);
    auto on_other = make_bus(m2, "", [](redis_config& c) { c.channel = "relay-other"; });
    auto other_sender = make_bus(m3, "", [](redis_config& c) { c.channel = "relay-other"; });
    inbox relay_got, other_got;
    on_relay->subscribe(relay_got.sink());
    on_other->subscribe(other_got.sink());
    wait_healthy(*on_relay);
    wait_healthy(*on_other);
    wait_healthy(*other_sender);

    other_sender->publish("for other");
    ASSERT_TRUE(other_got.wait_for(1));
    // Redis delivers in order per channel and connection, so once the marker has
    // arrived on "relay", the "relay-other" message would have too.
    server_->command({"PUBLISH", "relay-other", "external other"});
    ASSERT_TRUE(other_got.wait_for(2));
    server_->command({"PUBLISH", "relay", "marker"});
    ASSERT_TRUE(relay_got.wait_for(1));
    EXPECT_EQ(relay_got.texts(), (std::vector<std::string>{"marker"}));
    EXPECT_EQ(other_got.texts(), (std::vector<std::string>{"for other", "external other"}));
}

TEST_F(RedisBusTest, ManyPublishesArriveInOrder) {
    core::registry sub_metrics, pub_metrics;
    auto receiver = make_bus(sub_metrics);
    auto sender = make_bus(pub_metrics);
    inbox got;
    receiver->subscribe(got.sink());
    wait_healthy(*receiver);
    wait_healthy(*sender);

    const auto expected = numbered(1, 5000);
    for (const auto& p : expected) sender->publish(p);
    ASSERT_TRUE(got.wait_for(expected.size()));
    EXPECT_EQ(got.texts(), expected);
    EXPECT_EQ(counter_value(pub_metrics, "chat_relay_redis_dropped_total"), 0u);
    EXPECT_TRUE(eventually([&] { return sender->state().pending == 0; }));
}

TEST_F(RedisBusTest, ResubscribesByItselfAfterRedisRestart) {
    core::registry sub_metrics, pub_metrics;
    auto receiver = make_bus(sub_metrics);
    auto sender = make_bus(pub_metrics);
    inbox got;
    receiver->subscribe(got.sink());
    wait_healthy(*receiver);
    wait_healthy(*sender);
    sender->publish("before");
    ASSERT_TRUE(got.wait_for(1));

    server_->kill();
    // Both connections notice the crash by themselves, the idle publisher too.
    ASSERT_TRUE(eventually([&] {
        const auto s = receiver->state();
        const auto p = sender->state();
        return !s.subscriber_connected && !s.publisher_connected && !p.publisher_connected;
    }));
    EXPECT_FALSE(receiver->healthy());

    server_->start();  // same port, empty: no subscription survives on the server side
    wait_healthy(*receiver);
    wait_healthy(*sender);
    sender->publish("after");
    ASSERT_TRUE(got.wait_for(2));
    EXPECT_EQ(got.texts(), (std::vector<std::string>{"before", "after"}));
    EXPECT_GE(
        counter_value(sub_metrics, "chat_relay_redis_reconnects_total", {{"role", "subscriber"}}),
        1u);
    EXPECT_GE(
        counter_value(pub_metrics, "chat_relay_redis_reconnects_total", {{"role", "publisher"}}),
        1u);
}

// The sender authenticates as an ACL user that the restarted (empty) server lacks
// until the test adds it: so the receiver is surely subscribed again before the
// queued publishes go out (pub/sub does not replay to late subscribers).
TEST_F(RedisBusTest, PublishesMadeWhileRedisIsDownAreDeliveredAfterwards) {
    server_->add_user("api", "pw");
    core::registry sub_metrics, pub_metrics;
    auto receiver = make_bus(sub_metrics);
    auto sender = make_bus(pub_metrics, "api:pw@");
    inbox got;
    receiver->subscribe(got.sink());
    wait_healthy(*receiver);
    wait_healthy(*sender);

    server_->kill();
    ASSERT_TRUE(eventually([&] { return !sender->state().publisher_connected; }));
    for (const auto& p : numbered(1, 3)) sender->publish(p);
    EXPECT_EQ(sender->state().pending, 3u);

    server_->start();
    wait_healthy(*receiver);
    // AUTH fails until the user exists: the publisher is not ready and keeps its queue.
    ASSERT_TRUE(eventually([&] {
        return counter_value(pub_metrics, "chat_relay_redis_connection_errors_total",
                             {{"role", "publisher"}}) >= 3;
    }));
    EXPECT_FALSE(sender->state().publisher_connected);
    EXPECT_EQ(sender->state().pending, 3u);

    server_->add_user("api", "pw");
    ASSERT_TRUE(got.wait_for(3));
    EXPECT_EQ(got.texts(), numbered(1, 3));
    EXPECT_EQ(counter_value(pub_metrics, "chat_relay_redis_dropped_total"), 0u);
    // Its subscriber connection may still be in backoff.
    EXPECT_TRUE(eventually([&] { return sender->healthy(); }));
}

TEST_F(RedisBusTest, FullQueueDropsTheOldest) {
    core::registry sub_metrics, pub_metrics;
    auto receiver = make_bus(sub_metrics);
    auto sender =
        make_bus(pub_metrics, "api:pw@", [](redis_config& c) { c.max_pending_publishes = 3; });
    inbox got;
    receiver->subscribe(got.sink());
    wait_healthy(*receiver);

    for (const auto& p : numbered(1, 5)) sender->publish(p);
    EXPECT_EQ(counter_value(pub_metrics, "chat_relay_redis_dropped_total"), 2u);
    EXPECT_FALSE(sender->healthy());

    server_->add_user("api", "pw");
    ASSERT_TRUE(got.wait_for(3));
    EXPECT_EQ(got.texts(), numbered(3, 5));
}

TEST_F(RedisBusTest, RefusedPublishIsCountedAndGivenUp) {
    server_->add_user("nochannels", "pw", "resetchannels");
    core::registry metrics;
    auto bus = make_bus(metrics, "nochannels:pw@");
    ASSERT_TRUE(eventually([&] { return bus->state().publisher_connected; }));

    bus->publish("refused");  // NOPERM: an answer, not a broken connection
    ASSERT_TRUE(eventually(
        [&] { return counter_value(metrics, "chat_relay_redis_publish_failures_total") == 1; }));
    EXPECT_EQ(counter_value(metrics, "chat_relay_redis_dropped_total"), 1u);
    EXPECT_EQ(counter_value(metrics, "chat_relay_redis_published_total"), 0u);
    EXPECT_TRUE(bus->state().publisher_connected);
    EXPECT_EQ(bus->state().pending, 0u);
    // Its SUBSCRIBE is refused too, so the bus is not ready.
    EXPECT_FALSE(bus->healthy());
}

TEST_F(RedisBusTest, StopFlushesWhatIsQueued) {
    core::registry sub_metrics, pub_metrics;
    auto receiver = make_bus(sub_metrics);
    auto sender = make_bus(pub_metrics);
    inbox got;
    receiver->subscribe(got.sink());
    wait_healthy(*receiver);
    wait_healthy(*sender);

    const auto expected = numbered(1, 1000);
    for (const auto& p : expected) sender->publish(p);
    sender->stop();
    EXPECT_FALSE(sender->healthy());
    ASSERT_TRUE(got.wait_for(expected.size()));
    EXPECT_EQ(got.texts(), expected);
    EXPECT_EQ(counter_value(pub_metrics, "chat_relay_redis_dropped_total"), 0u);
}

TEST_F(RedisBusTest, ThrowingSubscriberDoesNotStopDelivery) {
    core::registry metrics;
    auto bus = make_bus(metrics);
    inbox got;
    bus->subscribe([](auto) { throw std::runtime_error("boom"); });
    bus->subscribe(got.sink());
    wait_healthy(*bus);

    bus->publish("one");
    bus->publish("two");
    ASSERT_TRUE(got.wait_for(2));
    EXPECT_EQ(got.texts(), (std::vector<std::string>{"one", "two"}));
    EXPECT_EQ(counter_value(metrics, "chat_relay_redis_delivery_failures_total"), 2u);
    EXPECT_TRUE(bus->healthy());
}

// A hung server (SIGSTOP) keeps its TCP connections open; only the PINGs notice.
TEST_F(RedisBusTest, HungRedisTurnsUnhealthyAndStopStaysPrompt) {
    core::registry metrics;
    auto bus = make_bus(metrics, "", [](redis_config& c) {
        c.ping_interval = 100ms;
        c.reply_timeout = 300ms;
        c.connect_timeout = 500ms;
    });
    inbox got;
    bus->subscribe(got.sink());
    wait_healthy(*bus);

    server_->pause();
    EXPECT_TRUE(eventually([&] {
        const auto s = bus->state();
        return !s.publisher_connected && !s.subscriber_connected;
    }));
    server_->resume();
    wait_healthy(*bus);
    bus->publish("alive");
    ASSERT_TRUE(got.wait_for(1));

    server_->pause();
    bus->publish("into the void");
    const auto started = clock_type::now();
    bus->stop();
    // The drain waits at most drain_timeout (500 ms) for a hung server.
    EXPECT_LT(clock_type::now() - started, 1s);
    server_->resume();
}

}  // namespace
}  // namespace chat::relay
