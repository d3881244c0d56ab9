#include "relay/redis_bus.hpp"

#include "core/metrics.hpp"
#include "relay/detail/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <deque>
#include <iterator>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace chat::relay {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

template <class Int>
std::optional<Int> parse_decimal(std::string_view s) {
    Int v{};
    if (s.empty()) return std::nullopt;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
}

}  // namespace

redis_endpoint parse_redis_url(std::string_view text) {
    // Messages never quote the URL: it may carry the password.
    const auto parsed = boost::urls::parse_uri(text);
    if (!parsed) throw std::invalid_argument("redis URL is not a valid URI");
    const boost::urls::url_view& u = *parsed;
    if (iequals(u.scheme(), "rediss")) {
        throw std::invalid_argument("rediss:// (TLS) is not supported: hiredis 0.14 has no TLS");
    }
    if (!iequals(u.scheme(), "redis")) throw std::invalid_argument("redis URL must start redis://");
    if (u.has_query() || u.has_fragment()) {
        throw std::invalid_argument("redis URL must not have a query or a fragment");
    }

    redis_endpoint ep;
    if (u.host_type() == boost::urls::host_type::ipvfuture) {
        throw std::invalid_argument("redis URL host is not an address or a name");
    }
    ep.host = u.host_address();  // IPv6 without the brackets, names percent-decoded
    if (ep.host.empty()) throw std::invalid_argument("redis URL has no host");

    if (u.has_port()) {
        const auto port = parse_decimal<unsigned>(u.port());
        if (!port || *port == 0 || *port > 65535) {
            throw std::invalid_argument("redis URL port must be 1..65535");
        }
        ep.port = static_cast<std::uint16_t>(*port);
    }

    if (u.has_userinfo()) {
        ep.user = u.user();
        if (u.has_password()) ep.password = u.password();
        if (!ep.user.empty() && ep.password.empty()) {
            throw std::invalid_argument(
                "redis URL has a user but no password; use redis://user:password@host "
                "or redis://:password@host");
        }
    }

    const std::string_view path = u.encoded_path();
    if (!path.empty() && path != "/") {
        const auto db = parse_decimal<int>(path.substr(1));
        if (path.front() != '/' || !db || *db < 0) {
            throw std::invalid_argument("redis URL path must be /<database number>");
        }
        ep.db = *db;
    }
    return ep;
}

namespace {

using detail::clock;
using detail::io_result;
using std::chrono::milliseconds;

// Redis answers a batch faster than it fills the socket buffers; larger batches
// only delay the first acknowledgement.
constexpr std::size_t max_batch = 256;

// A write to a socket that Redis reset would raise SIGPIPE and kill the process
// (hiredis 0.14 uses write(), not send(MSG_NOSIGNAL)). Blocked in this thread, the
// signal stays pending and is discarded with the thread; write() returns EPIPE.
void block_sigpipe() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

/// Exponential backoff, each delay drawn from [d/2, d] so that gateways restarted
/// together do not reconnect in lockstep.
class backoff {
public:
    backoff(milliseconds min, milliseconds max)
        : min_(min), max_(max), rng_(std::random_device{}()) {}

    milliseconds next() {
        auto d = min_;
        for (int i = 0; i < attempt_ && d < max_; ++i) d *= 2;
        d = std::min(d, max_);
        if (attempt_ < 32) ++attempt_;
        std::uniform_int_distribution<milliseconds::rep> pick(d.count() / 2, d.count());
        return milliseconds(pick(rng_));
    }
    void reset() noexcept { attempt_ = 0; }

private:
    milliseconds min_, max_;
    int attempt_ = 0;
    std::minstd_rand rng_;
};

/// True at most once per interval; thread safe. Keeps a flood of identical failures
/// (a throwing subscriber, a full queue) to one log line per interval.
class log_gate {
public:
    explicit log_gate(clock::duration every) : every_(every.count()) {}

    bool allow() noexcept {
        const auto now = clock::now().time_since_epoch().count();
        auto next = next_.load(std::memory_order_relaxed);
        return now >= next && next_.compare_exchange_strong(next, now + every_);
    }

private:
    clock::rep every_;
    std::atomic<clock::rep> next_{0};
};

/// Per connection role: logs the first failure of a streak, then one line per
/// interval while it lasts, and the recovery. A Redis restart thus costs a handful
/// of lines, not one per reconnect attempt.
class failure_log {
public:
    failure_log(const char* role, const redis_endpoint& ep) : role_(role), ep_(ep) {}

    void failed(const std::string& why) {
        ++streak_;
        if (streak_ == 1) {
            gate_.allow();  // starts the interval, so the next line comes 30 s later
            spdlog::warn("relay redis {}: {} ({}:{}); reconnecting with backoff", role_, why,
                         ep_.host, ep_.port);
        } else if (gate_.allow()) {
            spdlog::warn("relay redis {}: still failing after {} attempts: {}", role_, streak_,
                         why);
        } else {
            spdlog::debug("relay redis {}: attempt {} failed: {}", role_, streak_, why);
        }
    }
    void recovered() {
        if (streak_ == 0) {
            spdlog::info("relay redis {}: connected to {}:{}", role_, ep_.host, ep_.port);
        } else {
            spdlog::info("relay redis {}: connected to {}:{} again ({} failures in between)", role_,
                         ep_.host, ep_.port, streak_);
        }
        streak_ = 0;
    }

private:
    const char* role_;
    const redis_endpoint& ep_;
    std::uint64_t streak_ = 0;
    log_gate gate_{std::chrono::seconds(30)};
};

/// Metrics of one connection role.
struct role_metrics {
    role_metrics(core::registry& r, const char* role)
        : connected(r.get_gauge("chat_relay_redis_connected",
                                "1 while the Redis connection of this role is up",
                                {{"role", role}})),
          reconnects(r.get_counter("chat_relay_redis_reconnects_total",
                                   "Redis connections re-established after a loss",
                                   {{"role", role}})),
          errors(r.get_counter("chat_relay_redis_connection_errors_total",
                               "Failed Redis connects and lost Redis connections",
                               {{"role", role}})) {}

    core::gauge& connected;
    core::counter& reconnects;
    core::counter& errors;
};

class redis_bus_impl final : public redis_bus {
public:
    redis_bus_impl(redis_config config, redis_endpoint ep, core::registry& r)
        : config_(std::move(config)),
          endpoint_(std::move(ep)),
          published_(r.get_counter("chat_relay_redis_published_total",
                                   "Relay events acknowledged by Redis PUBLISH")),
          publish_failures_(r.get_counter(
              "chat_relay_redis_publish_failures_total",
              "PUBLISH attempts that failed: error replies, and connections lost before the "
              "reply (those are sent again)")),
          dropped_(r.get_counter(
              "chat_relay_redis_dropped_total",
              "Relay events given up: queue full, error reply, or still queued at stop")),
          received_(r.get_counter("chat_relay_redis_received_total",
                                  "Relay events received from the Redis subscription")),
          delivery_failures_(r.get_counter("chat_relay_redis_delivery_failures_total",
                                           "Subscriber calls that threw")),
          pending_(r.get_gauge("chat_relay_redis_pending",
                               "Relay events queued for PUBLISH, not yet acknowledged")),
          publisher_metrics_(r, "publisher"),
          subscriber_metrics_(r, "subscriber") {
        publisher_metrics_.connected.set(0);
        subscriber_metrics_.connected.set(0);
        // Started last: the threads use every member above.
        publisher_thread_ = std::thread([this] { publisher_loop(); });
        subscriber_thread_ = std::thread([this] { subscriber_loop(); });
    }

    ~redis_bus_impl() override { stop(); }

    void publish(std::string payload) override {
        const char* dropped = nullptr;
        bool wake = false;
        {
            std::lock_guard lock(mutex_);
            if (closed_) {
                dropped = "bus stopped";
            } else {
                // Drop the oldest: a newer signal for the same room makes clients
                // catch up past the older one anyway (they fetch by seq).
                if (queue_.size() >= config_.max_pending_publishes) {
                    queue_.pop_front();
                    dropped = "queue full";
                }
                queue_.push_back(std::move(payload));
                pending_.set(static_cast<std::int64_t>(queue_.size() + in_flight_));
                wake = std::exchange(publisher_idle_, false);
            }
        }
        if (dropped != nullptr) note_dropped(1, dropped);
        // Only an idle publisher needs the syscall; a busy one takes the queue next.
        if (wake) wakeup_.notify();
    }

    void subscribe(subscriber s) override {
        std::lock_guard lock(subscribers_mutex_);
        // Copy-on-write, as the in-process bus: delivery snapshots with one refcount bump.
        auto next = std::make_shared<std::vector<subscriber>>(*subscribers_);
        next->push_back(std::move(s));
        subscribers_ = std::move(next);
    }

    bool healthy() const noexcept override {
        return publisher_up_.load(std::memory_order_acquire) &&
               subscriber_up_.load(std::memory_order_acquire);
    }

    status state() const override {
        status s;
        s.publisher_connected = publisher_up_.load(std::memory_order_acquire);
        s.subscriber_connected = subscriber_up_.load(std::memory_order_acquire);
        std::lock_guard lock(mutex_);
        s.pending = queue_.size() + in_flight_;
        return s;
    }

    void stop() override {
        // Serialised, so a second caller also returns only once the threads are gone.
        std::lock_guard stop_lock(stop_mutex_);
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        stop_.raise(clock::now() + config_.drain_timeout);
        wakeup_.notify();
        if (subscriber_thread_.joinable()) subscriber_thread_.join();
        if (publisher_thread_.joinable()) publisher_thread_.join();
    }

private:
    using subscriber_list = std::shared_ptr<const std::vector<subscriber>>;

    void set_up(role_metrics& m, std::atomic<bool>& flag, bool up) {
        m.connected.set(up ? 1 : 0);
        flag.store(up, std::memory_order_release);
    }

    void note_dropped(std::uint64_t n, const char* why) {
        dropped_.inc(n);
        if (drop_log_.allow()) {
            spdlog::warn(
                "relay redis: dropped relay events ({}); {} dropped so far — the data "
                "stays committed and clients catch up by seq",
                why, dropped_.value());
        }
    }

    // --- publisher thread ---------------------------------------------------------

    void publisher_loop() {
        block_sigpipe();
        // drain: a stop lets queued publishes finish over a live connection.
        detail::redis_connection conn(stop_, detail::on_stop::drain);
        backoff delay(config_.backoff_min, config_.backoff_max);
        failure_log log("publisher", endpoint_);
        bool was_connected = false;
        std::vector<std::string> batch;
        batch.reserve(max_batch);
        auto last_traffic = clock::now();

        for (;;) {
            if (stop_.raised() && (!conn.is_open() || clock::now() >= stop_.drain_deadline())) {
                break;
            }
            if (!conn.is_open()) {
                if (open_publisher(conn) != io_result::ok) {
                    publisher_metrics_.errors.inc();
                    log.failed(conn.error());
                    if (stop_.sleep_for(delay.next())) break;
                    continue;
                }
                delay.reset();
                if (was_connected) publisher_metrics_.reconnects.inc();
                was_connected = true;
                log.recovered();
                set_up(publisher_metrics_, publisher_up_, true);
                last_traffic = clock::now();
            }

            {
                std::lock_guard lock(mutex_);
                if (queue_.empty()) {
                    if (stop_.raised()) break;
                    publisher_idle_ = true;
                } else {
                    const auto n = std::min(queue_.size(), max_batch);
                    std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n),
                              std::back_inserter(batch));
                    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
                    in_flight_ = n;
                }
            }

            if (batch.empty()) {
                idle(conn, last_traffic);
            } else {
                send(conn, batch);
                last_traffic = clock::now();
            }
            // Every failure closes the connection, recording why.
            if (!conn.is_open()) {
                set_up(publisher_metrics_, publisher_up_, false);
                if (stop_.raised()) break;
                publisher_metrics_.errors.inc();
                log.failed(conn.error());
                // Straight back to open(): after a restart the first attempt may
                // already succeed; failures from there on back off.
            }
        }

        conn.close();
        set_up(publisher_metrics_, publisher_up_, false);
        std::size_t left = 0;
        {
            std::lock_guard lock(mutex_);
            left = queue_.size();
            queue_.clear();
            pending_.set(0);
        }
        if (left != 0) note_dropped(left, "still queued at stop");
    }

    /// Connects and proves with a PING that Redis answers (a stopped server still
    /// completes TCP handshakes from its listen backlog), so healthy() means usable.
    io_result open_publisher(detail::redis_connection& conn) {
        const auto deadline = clock::now() + config_.connect_timeout;
        auto r = conn.open(endpoint_, deadline);
        if (r != io_result::ok) return r;
        return ping(conn, deadline);
    }

    io_result ping(detail::redis_connection& conn, clock::time_point deadline) {
        conn.append({"PING"});
        detail::reply_ptr reply;
        auto r = conn.flush(deadline);
        if (r == io_result::ok) r = conn.read(reply, deadline);
        if (r == io_result::timeout) return conn.abandon("no answer to PING in time");
        if (r != io_result::ok) return r;
        if (reply->type == REDIS_REPLY_ERROR) {
            return conn.abandon("PING refused: " + std::string(reply->str, reply->len));
        }
        return io_result::ok;
    }

    /// Waits for work; PINGs when idle for ping_interval. Closes the connection
    /// when it turns out broken.
    void idle(detail::redis_connection& conn, clock::time_point& last_traffic) {
        const auto r = conn.wait_idle(wakeup_, last_traffic + config_.ping_interval);
        {
            std::lock_guard lock(mutex_);
            publisher_idle_ = false;
        }
        // A notify after this point leaves the fd readable: one spurious, harmless wakeup.
        wakeup_.clear();
        if (r != io_result::timeout) return;  // woken, or closed with the error recorded
        if (ping(conn, clock::now() + config_.reply_timeout) == io_result::ok) {
            last_traffic = clock::now();
        }
    }

    /// PUBLISHes a batch, pipelined; closes the connection when it breaks. Whatever
    /// Redis did not acknowledge goes back to the head of the queue.
    void send(detail::redis_connection& conn, std::vector<std::string>& batch) {
        for (const auto& payload : batch) conn.append({"PUBLISH", config_.channel, payload});

        std::size_t answered = 0;
        auto r = conn.flush(clock::now() + config_.reply_timeout);
        while (r == io_result::ok && answered < batch.size()) {
            detail::reply_ptr reply;
            r = conn.read(reply, clock::now() + config_.reply_timeout);
            if (r != io_result::ok) break;
            ++answered;
            if (reply->type == REDIS_REPLY_ERROR) {
                // Not a connection problem (e.g. an ACL without the channel): sending
                // it again would fail again, so it is given up.
                publish_failures_.inc();
                if (error_log_.allow()) {
                    spdlog::error("relay redis publisher: PUBLISH refused: {}",
                                  std::string_view(reply->str, reply->len));
                }
                dropped_.inc();
            } else {
                published_.inc();
            }
        }
        if (r == io_result::timeout) conn.abandon("no reply within reply_timeout");

        const std::size_t unanswered = batch.size() - answered;
        if (unanswered != 0) publish_failures_.inc(unanswered);
        std::size_t overflow = 0;
        {
            std::lock_guard lock(mutex_);
            in_flight_ = 0;
            if (unanswered != 0) {
                // Order is kept: these are older than everything still queued. The
                // queue bound still holds, dropping the oldest first.
                const std::size_t room = config_.max_pending_publishes - queue_.size();
                overflow = unanswered > room ? unanswered - room : 0;
                const auto from = batch.begin() + static_cast<std::ptrdiff_t>(answered + overflow);
                queue_.insert(queue_.begin(), std::make_move_iterator(from),
                              std::make_move_iterator(batch.end()));
            }
            pending_.set(static_cast<std::int64_t>(queue_.size()));
        }
        batch.clear();
        if (overflow != 0) note_dropped(overflow, "queue full while Redis was unreachable");
    }

    // --- subscriber thread --------------------------------------------------------

    void subscriber_loop() {
        block_sigpipe();
        // abort: nothing is worth finishing once stopped, so stop() returns at once.
        detail::redis_connection conn(stop_, detail::on_stop::abort);
        backoff delay(config_.backoff_min, config_.backoff_max);
        failure_log log("subscriber", endpoint_);
        bool was_connected = false;

        while (!stop_.raised()) {
            auto r = open_and_subscribe(conn);
            if (r == io_result::stopped) break;
            if (r != io_result::ok) {
                subscriber_metrics_.errors.inc();
                log.failed(conn.error());
                if (stop_.sleep_for(delay.next())) break;
                continue;
            }
            delay.reset();
            if (was_connected) subscriber_metrics_.reconnects.inc();
            was_connected = true;
            log.recovered();
            set_up(subscriber_metrics_, subscriber_up_, true);

            r = receive(conn);
            set_up(subscriber_metrics_, subscriber_up_, false);
            if (r == io_result::stopped) break;
            subscriber_metrics_.errors.inc();
            log.failed(conn.error());
        }
        conn.close();
        set_up(subscriber_metrics_, subscriber_up_, false);
    }

    io_result open_and_subscribe(detail::redis_connection& conn) {
        const auto deadline = clock::now() + config_.connect_timeout;
        auto r = conn.open(endpoint_, deadline);
        if (r != io_result::ok) return r;
        conn.append({"SUBSCRIBE", config_.channel});
        detail::reply_ptr reply;
        if (r = conn.flush(deadline); r == io_result::ok) r = conn.read(reply, deadline);
        if (r == io_result::timeout) return conn.abandon("SUBSCRIBE timed out");
        if (r != io_result::ok) return r;
        if (reply->type == REDIS_REPLY_ERROR) {
            return conn.abandon("SUBSCRIBE refused: " + std::string(reply->str, reply->len));
        }
        // Healthy only once Redis confirmed: ["subscribe", channel, count].
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
            reply->element[0]->type != REDIS_REPLY_STRING ||
            std::string_view(reply->element[0]->str, reply->element[0]->len) != "subscribe") {
            return conn.abandon("unexpected answer to SUBSCRIBE");
        }
        return io_result::ok;
    }

    /// Delivers messages until the connection fails or the bus stops.
    io_result receive(detail::redis_connection& conn) {
        auto last_traffic = clock::now();
        bool ping_outstanding = false;
        clock::time_point ping_sent;
        for (;;) {
            const auto deadline = ping_outstanding ? ping_sent + config_.reply_timeout
                                                   : last_traffic + config_.ping_interval;
            detail::reply_ptr reply;
            const auto r = conn.read(reply, deadline);
            if (r == io_result::ok) {
                // Any traffic proves the connection alive, the PONG included.
                last_traffic = clock::now();
                ping_outstanding = false;
                handle(*reply);
                continue;
            }
            if (r != io_result::timeout) return r;
            if (ping_outstanding) return conn.abandon("no answer to PING within reply_timeout");
            // A subscribed RESP2 connection may PING; the answer is ["pong", ""].
            conn.append({"PING"});
            const auto fr = conn.flush(clock::now() + config_.reply_timeout);
            if (fr == io_result::timeout) return conn.abandon("PING could not be sent");
            if (fr != io_result::ok) return fr;
            ping_outstanding = true;
            ping_sent = clock::now();
        }
    }

    void handle(const redisReply& reply) {
        if (reply.type != REDIS_REPLY_ARRAY || reply.elements != 3) return;
        const redisReply& kind = *reply.element[0];
        const redisReply& data = *reply.element[2];
        if (kind.type != REDIS_REPLY_STRING || data.type != REDIS_REPLY_STRING) return;
        if (std::string_view(kind.str, kind.len) != "message") return;  // pong, subscribe
        received_.inc();
        // One object for all subscribers (STYLE: encode once, fan out shared bytes).
        deliver(std::make_shared<const std::string>(data.str, data.len));
    }

    void deliver(const std::shared_ptr<const std::string>& payload) {
        subscriber_list snapshot;
        {
            std::lock_guard lock(subscribers_mutex_);
            snapshot = subscribers_;
        }
        for (const auto& s : *snapshot) {
            try {
                s(payload);
            } catch (const std::exception& e) {
                delivery_failed(e.what());
            } catch (...) {
                delivery_failed("unknown exception");
            }
        }
    }

    void delivery_failed(const char* what) {
        // One broken subscriber must neither stop the subscription nor starve the others.
        delivery_failures_.inc();
        if (delivery_log_.allow()) spdlog::error("relay redis: a subscriber threw: {}", what);
    }

    const redis_config config_;
    const redis_endpoint endpoint_;

    core::counter& published_;
    core::counter& publish_failures_;
    core::counter& dropped_;
    core::counter& received_;
    core::counter& delivery_failures_;
    core::gauge& pending_;
    role_metrics publisher_metrics_;
    role_metrics subscriber_metrics_;
    log_gate drop_log_{std::chrono::seconds(10)};
    log_gate error_log_{std::chrono::seconds(10)};
    log_gate delivery_log_{std::chrono::seconds(10)};

    detail::stop_signal stop_;
    detail::wakeup wakeup_;  // rings the idle publisher

    mutable std::mutex mutex_;  // guards the queue and the flags below
    std::deque<std::string> queue_;
    std::size_t in_flight_ = 0;    // taken by the publisher, not yet answered
    bool publisher_idle_ = false;  // waiting on wakeup_: publish() must ring
    bool closed_ = false;          // stop() was called: publish() drops

    std::mutex subscribers_mutex_;
    subscriber_list subscribers_ = std::make_shared<const std::vector<subscriber>>();

    std::atomic<bool> publisher_up_{false};
    std::atomic<bool> subscriber_up_{false};

    std::mutex stop_mutex_;
    std::thread publisher_thread_;
    std::thread subscriber_thread_;
};

}  // namespace

std::unique_ptr<redis_bus> make_redis_bus(redis_config config, core::registry& metrics) {
    auto ep = parse_redis_url(config.url);
    if (config.channel.empty()) throw std::invalid_argument("redis channel must not be empty");
    if (config.max_pending_publishes == 0) {
        throw std::invalid_argument("max_pending_publishes must be at least 1");
    }
    const milliseconds zero{0};
    if (config.connect_timeout <= zero || config.reply_timeout <= zero ||
        config.ping_interval <= zero || config.backoff_min <= zero ||
        config.backoff_max < config.backoff_min || config.drain_timeout < zero) {
        throw std::invalid_argument(
            "redis timeouts, ping interval and backoff must be positive, backoff_max >= "
            "backoff_min");
    }
    return std::make_unique<redis_bus_impl>(std::move(config), std::move(ep), metrics);
}

}  // namespace chat::relay
