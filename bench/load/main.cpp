// gateway_load: a load generator for the Socket.IO gateway (not a test).
//
// Signs up one user and creates rooms through the REST API, opens N
// WebSocket Socket.IO clients that all join those rooms as that user (one
// user may hold many sockets), then sends relay events at a fixed rate (or
// a ladder of rates) and times every one from just before it was sent to its
// receipt. The events are either messages posted on one keep-alive
// connection to the API, or relay events PUBLISHed straight to Redis
// (--redis), which any gateway subscribed to the channel fans out: ours or
// the Node peer of bench/peers. With --server-pid it reads the server's RSS
// and CPU from /proc at the phase boundaries. Prints one `name value` line
// per result; bench/gateway/run and bench/compare turn them into tables.
//
// Latency needs no text in a posted message: a room's seq is gapless and one
// poster sends sequentially, so the k-th post to a room gets seq k, and its
// send time is recorded before the request goes out (the event can arrive
// before the POST's response). A published event carries its send time
// (`sentNs`, steady clock) itself.

#include "auth/jwt.hpp"
#include "core/random.hpp"
#include "core/time.hpp"
#include "fleet.hpp"
#include "percentile.hpp"
#include "proc_stats.hpp"
#include "redis_publisher.hpp"
#include "rest_client.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <thread>

namespace {

namespace json = boost::json;
namespace asio = boost::asio;
using namespace chat::bench;
using std::chrono::milliseconds;

struct options {
    std::string server = "127.0.0.1:8080";
    pid_t server_pid = 0;
    std::string jwt_secret_file;
    std::size_t clients = 1000;
    std::size_t rooms = 1;
    std::string api;    // REST API HOST:PORT; empty: the server
    std::string redis;  // HOST:PORT: publish relay events there instead of posting
    std::string channel = "relay";
    std::vector<double> rates;  // events per second, all rooms together; one step each
    double duration_s = 20;     // per step
    double stop_p99_ms = 0;
    double step_pause_s = 1;
    double settle_s = 1;  // before the RSS baseline (half of it) and after the joins
    double idle_s = 30;   // more than one pingInterval: holds a heartbeat round
    double drain_s = 5;
    double connect_timeout_s = 90;
    unsigned threads = 1;
    std::size_t in_flight = 500;
    std::size_t calibrate_posts = 200;
    std::string source_range;
};

void print(std::string_view name, double value, int decimals = 0) {
    std::printf("%-32s %.*f\n", std::string(name).c_str(), decimals, value);
}

asio::ip::tcp::endpoint parse_server(const std::string& s) {
    const auto colon = s.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("--server wants HOST:PORT");
    return {asio::ip::make_address(s.substr(0, colon)),
            static_cast<unsigned short>(std::stoul(s.substr(colon + 1)))};
}

// "127.0.0.1-127.0.0.8" or one address.
std::vector<asio::ip::address> parse_source_range(const std::string& range) {
    std::vector<asio::ip::address> out;
    if (range.empty()) return out;
    const auto dash = range.find('-');
    const auto first = asio::ip::make_address_v4(range.substr(0, dash)).to_uint();
    const auto last = dash == std::string::npos
                          ? first
                          : asio::ip::make_address_v4(range.substr(dash + 1)).to_uint();
    if (last < first || last - first > 65535) throw std::invalid_argument("bad --source-range");
    for (auto a = first; a <= last; ++a) out.emplace_back(asio::ip::address_v4(a));
    return out;
}

std::string read_secret(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

std::string field(const std::string& body, std::string_view name) {
    const auto v = json::parse(body);
    return std::string(v.as_object().at(name).as_string());
}

// Server CPU and wall time across one phase.
struct phase_probe {
    pid_t pid = 0;
    std::vector<pid_t> softirq;
    std::int64_t wall = 0;
    std::uint64_t server_ns = 0;
    std::uint64_t server_ticks = 0;
    std::uint64_t own_ns = 0;
    std::uint64_t softirq_ns = 0;
    machine_ticks machine;

    static phase_probe take(pid_t pid, const std::vector<pid_t>& softirq) {
        phase_probe p;
        p.pid = pid;
        p.softirq = softirq;
        p.wall = now_ns();
        if (pid != 0) {
            p.server_ns = cpu_ns(pid);
            p.server_ticks = cpu_ticks(pid);
        }
        p.own_ns = own_cpu_ns();
        for (const auto k : softirq) p.softirq_ns += cpu_ns(k);
        p.machine = read_machine_ticks();
        return p;
    }
};

// Raises RLIMIT_NOFILE so that `clients` sockets fit, the hard limit too when
// the process may (root); returns the soft limit in force.
rlim_t raise_open_files(std::size_t clients) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    const rlim_t want = static_cast<rlim_t>(clients) + 1024;
    if (lim.rlim_cur >= want) return lim.rlim_cur;
    if (lim.rlim_max < want) {
        rlimit raised{want, want};
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) return want;
    }
    lim.rlim_cur = std::min(want, lim.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &lim);
    ::getrlimit(RLIMIT_NOFILE, &lim);
    return lim.rlim_cur;
}

// One source address serves the ephemeral port range (~28k ports) towards one
// server port; past 20,000 clients, use 127.0.0.1, .2, ... one per 20,000.
std::vector<asio::ip::address> source_addresses(const options& o) {
    if (!o.source_range.empty()) return parse_source_range(o.source_range);
    constexpr std::size_t per_address = 20'000;
    if (o.clients <= per_address) return {};
    const auto count = static_cast<unsigned>((o.clients + per_address - 1) / per_address);
    const auto first = asio::ip::make_address_v4("127.0.0.1").to_uint();
    std::vector<asio::ip::address> out;
    for (unsigned i = 0; i < count; ++i) out.emplace_back(asio::ip::address_v4(first + i));
    return out;
}

// Where relay events come from: POST /rooms/{id}/messages on the API (the
// room's seq times them), or PUBLISH on the Redis relay channel (the event
// carries its send time, `sentNs`, in the steady-clock base of now_ns()).
class event_source {
public:
    event_source(rest_client& rest, std::string api_token, std::unique_ptr<redis_publisher> redis,
                 const std::vector<std::string>& rooms, send_times& sent)
        : rest_(rest),
          api_token_(std::move(api_token)),
          redis_(std::move(redis)),
          rooms_(rooms),
          sent_(sent),
          next_seq_(rooms.size(), 1) {}

    bool via_redis() const { return redis_ != nullptr; }

    // One event to `room`; returns false when a POST answered an unexpected seq.
    bool emit(std::size_t room) {
        const std::uint64_t seq = next_seq_[room]++;
        const auto t = now_ns();
        if (redis_) {
            const json::object event{{"relay-type", "chat"},
                                     {"roomId", rooms_[room]},
                                     {"timestamp", chat::core::iso8601_ms(chat::core::now_ms())},
                                     {"msg-type", "room.msg.new"},
                                     {"seq", seq},
                                     {"sentNs", t}};
            redis_->publish(json::serialize(event));
            return true;
        }
        sent_.record(room, seq, t);
        const auto body = rest_.expect(201, "POST", "/rooms/" + rooms_[room] + "/messages",
                                       R"({"text":"gateway bench"})", api_token_);
        post_wall_max_ = std::max(post_wall_max_, now_ns() - t);
        return json::parse(body).as_object().at("seq").to_number<std::uint64_t>() == seq;
    }

    std::int64_t post_wall_max_ns() const { return post_wall_max_; }

private:
    rest_client& rest_;
    std::string api_token_;
    std::unique_ptr<redis_publisher> redis_;
    const std::vector<std::string>& rooms_;
    send_times& sent_;
    std::vector<std::uint64_t> next_seq_;
    std::int64_t post_wall_max_ = 0;
};

struct step_context {
    const options& o;
    pid_t pid;
    const std::vector<pid_t>& softirq;
    fleet& clients;
    event_source& source;
    std::size_t rooms;
    double idle_cpu_share;
    double post_cpu_ns;
};

struct step_result {
    bool complete = false;
    std::size_t seq_mismatch = 0;
    double p99_ms = 0;
};

// One publish phase at `rate` events/s; prints its results, each name after `prefix`.
step_result publish_step(const step_context& c, double rate, const std::string& prefix) {
    const auto& o = c.o;
    auto out = [&](std::string_view name, double value, int decimals = 0) {
        print(prefix + std::string(name), value, decimals);
    };
    const auto total_posts = static_cast<std::size_t>(std::llround(rate * o.duration_s));
    const auto deliveries_before = c.clients.deliveries();
    const auto bytes_before = c.clients.delivered_bytes();
    const auto unmatched_before = c.clients.unmatched();
    c.clients.take_latencies();  // what arrived before this step is not its business
    std::uint64_t expected = 0;
    std::vector<std::size_t> posts_per_room(c.rooms, 0);
    for (std::size_t k = 0; k < total_posts; ++k) ++posts_per_room[k % c.rooms];
    for (std::size_t r = 0; r < c.rooms; ++r) {
        const std::size_t members = o.clients / c.rooms + (r < o.clients % c.rooms);
        expected += members * posts_per_room[r];
    }
    step_result result;
    std::int64_t last_send = 0;
    const auto start = phase_probe::take(c.pid, c.softirq);
    const double interval_ns = 1e9 / rate;
    for (std::size_t k = 0; k < total_posts; ++k) {
        const auto due =
            start.wall + static_cast<std::int64_t>(static_cast<double>(k) * interval_ns);
        while (now_ns() < due) {
            std::this_thread::sleep_for(
                std::chrono::nanoseconds(std::min<std::int64_t>(due - now_ns(), 1'000'000)));
        }
        last_send = now_ns();
        if (!c.source.emit(k % c.rooms)) ++result.seq_mismatch;
    }
    const auto posted = now_ns();
    // Below `rate` when an event takes longer than the interval to send (one sender, in order).
    const double achieved_rate = total_posts > 1
                                     ? static_cast<double>(total_posts - 1) /
                                           (static_cast<double>(last_send - start.wall) / 1e9)
                                     : rate;
    const auto drain_deadline = posted + static_cast<std::int64_t>(o.drain_s * 1e9);
    while (c.clients.deliveries() - deliveries_before < expected && now_ns() < drain_deadline) {
        std::this_thread::sleep_for(milliseconds(1));
    }
    const auto end = phase_probe::take(c.pid, c.softirq);
    const std::uint64_t delivered = c.clients.deliveries() - deliveries_before;
    const std::uint64_t delivered_bytes = c.clients.delivered_bytes() - bytes_before;
    const std::uint64_t unmatched = c.clients.unmatched() - unmatched_before;
    const std::int64_t last = std::max(c.clients.last_receipt_ns(), start.wall + 1);
    const double phase_s = static_cast<double>(last - start.wall) / 1e9;
    const double measured_s = static_cast<double>(end.wall - start.wall) / 1e9;
    auto latencies = c.clients.take_latencies();

    out("rate_per_s", rate, 2);
    out("posts", static_cast<double>(total_posts));
    out("post_rate_achieved_per_s", achieved_rate, 2);
    out("post_seq_mismatch", static_cast<double>(result.seq_mismatch));
    if (!c.source.via_redis()) {
        out("post_wall_max_ms", static_cast<double>(c.source.post_wall_max_ns()) / 1e6, 2);
    }
    out("deliveries_expected", static_cast<double>(expected));
    out("deliveries", static_cast<double>(delivered));
    out("deliveries_unmatched", static_cast<double>(unmatched));
    out("clients_dropped", static_cast<double>(c.clients.dropped()));
    out("frame_bytes",
        delivered ? static_cast<double>(delivered_bytes) / static_cast<double>(delivered) : 0);
    out("publish_s", phase_s, 3);
    out("deliveries_per_s", static_cast<double>(delivered) / phase_s);
    out("latency_p50_ms", percentile_ms(latencies, 0.50), 3);
    out("latency_p90_ms", percentile_ms(latencies, 0.90), 3);
    result.p99_ms = percentile_ms(latencies, 0.99);
    out("latency_p99_ms", result.p99_ms, 3);
    out("latency_p999_ms", percentile_ms(latencies, 0.999), 3);
    out("latency_max_ms", percentile_ms(latencies, 1.0), 3);
    const double own_ms = static_cast<double>(end.own_ns - start.own_ns) / 1e6;
    out("generator_cpu_ms", own_ms, 1);
    out("generator_cpu_pct", own_ms / 10 / measured_s, 1);
    const double machine_busy =
        end.machine.total > start.machine.total
            ? static_cast<double>(end.machine.busy - start.machine.busy) /
                  static_cast<double>(end.machine.total - start.machine.total)
            : 0;
    out("machine_busy_pct_of_all_cpus", 100 * machine_busy, 1);
    out("ksoftirqd_cpu_ms", static_cast<double>(end.softirq_ns - start.softirq_ns) / 1e6, 1);
    if (c.pid != 0 && delivered > 0) {
        const double server_ns = static_cast<double>(end.server_ns - start.server_ns);
        const double idle_ns = c.idle_cpu_share * static_cast<double>(end.wall - start.wall);
        const double posts_ns = c.post_cpu_ns * static_cast<double>(total_posts);
        const double per_delivery =
            (server_ns - posts_ns - idle_ns) / static_cast<double>(delivered);
        out("server_cpu_ms", server_ns / 1e6, 1);
        out("server_cpu_ticks", static_cast<double>(end.server_ticks - start.server_ticks));
        out("server_cpu_pct", server_ns / 1e7 / measured_s, 1);
        out("server_cpu_posts_ms", posts_ns / 1e6, 1);
        out("server_cpu_idle_ms", idle_ns / 1e6, 1);
        out("server_cpu_per_delivery_raw_us", server_ns / static_cast<double>(delivered) / 1e3, 3);
        out("server_cpu_per_delivery_us", per_delivery / 1e3, 3);
        out("server_rss_kib", static_cast<double>(rss_kib(c.pid)));
    }
    std::fflush(stdout);
    result.complete = delivered == expected && result.seq_mismatch == 0 && unmatched == 0;
    return result;
}

int run(const options& o) {
    chat::core::init_crypto();
    const auto server = parse_server(o.server);
    const auto api = o.api.empty() ? server : parse_server(o.api);
    rest_client rest(api);
    print("open_files_limit", static_cast<double>(raise_open_files(o.clients)));

    // --- set-up through the API: one user, its rooms -------------------------------------
    const std::string email = "gw-bench-" + chat::core::uuid_v4().substr(0, 8) + "@example.com";
    const std::string password = "bench-pass-1";
    const std::string user_id = field(
        rest.expect(201, "POST", "/users",
                    json::serialize(json::object{
                        {"email", email}, {"nickname", "gateway bench"}, {"password", password}}),
                    ""),
        "id");
    const std::string api_token = field(
        rest.expect(200, "POST", "/token",
                    json::serialize(json::object{{"email", email}, {"password", password}}), ""),
        "accessToken");
    auto create_room = [&](const std::string& name) {
        return field(rest.expect(201, "POST", "/rooms",
                                 json::serialize(json::object{{"name", name},
                                                              {"participantIds", json::array{}}}),
                                 api_token),
                     "id");
    };
    std::vector<std::string> rooms;
    for (std::size_t r = 0; r < o.rooms; ++r)
        rooms.push_back(create_room("gw-bench-" + std::to_string(r)));

    std::vector<std::string> tokens;
    if (o.jwt_secret_file.empty()) {
        tokens.push_back(api_token);
    } else {
        const chat::auth::jwt_codec jwt(read_secret(o.jwt_secret_file));
        const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
        tokens.reserve(o.clients);
        for (std::size_t i = 0; i < o.clients; ++i) {
            tokens.push_back(jwt.issue(user_id, now_s, std::chrono::hours(1)));
        }
    }
    const auto softirq = ksoftirqd_pids();
    const pid_t pid = o.server_pid;

    // --- calibration: server CPU of one POST with nobody listening ----------------------
    // Subtracted from the publish phase, so that what is left is the fan-out.
    // Only when the server under test is the one that answers the POSTs.
    double post_cpu_ns = 0;
    if (o.calibrate_posts > 0 && o.redis.empty()) {
        const std::string quiet_room = create_room("gw-bench-calibration");
        const std::string target = "/rooms/" + quiet_room + "/messages";
        const auto before = phase_probe::take(pid, softirq);
        for (std::size_t k = 0; k < o.calibrate_posts; ++k) {
            rest.expect(201, "POST", target, R"({"text":"calibration"})", api_token);
        }
        const auto after = phase_probe::take(pid, softirq);
        post_cpu_ns = static_cast<double>(after.server_ns - before.server_ns) /
                      static_cast<double>(o.calibrate_posts);
        print("calibration_posts", static_cast<double>(o.calibrate_posts));
        print("server_cpu_per_post_us", post_cpu_ns / 1e3, 1);
        print("post_wall_us",
              static_cast<double>(after.wall - before.wall) / 1e3 /
                  static_cast<double>(o.calibrate_posts),
              1);
    }
    std::this_thread::sleep_for(milliseconds(static_cast<long>(o.settle_s * 500)));
    const std::uint64_t rss_before = pid != 0 ? rss_kib(pid) : 0;

    // --- connect --------------------------------------------------------------------------
    std::size_t total_posts = 0;
    for (const double rate : o.rates) {
        total_posts += static_cast<std::size_t>(std::llround(rate * o.duration_s));
    }
    send_times sent(rooms.size(), o.redis.empty() ? total_posts / rooms.size() + 1 : 0);
    fleet_config fc;
    fc.server = server;
    fc.room_ids = rooms;
    fc.tokens = std::move(tokens);
    fc.source_addresses = source_addresses(o);
    fc.clients = o.clients;
    fc.in_flight = o.in_flight;
    fc.threads = o.threads;
    print("source_addresses",
          static_cast<double>(std::max<std::size_t>(1, fc.source_addresses.size())));
    fleet clients(std::move(fc), sent);
    const auto connect_start = phase_probe::take(pid, softirq);
    clients.start();
    const auto connect_deadline =
        connect_start.wall + static_cast<std::int64_t>(o.connect_timeout_s * 1e9);
    while (clients.joined() + clients.failed() < o.clients && now_ns() < connect_deadline) {
        std::this_thread::sleep_for(milliseconds(1));
    }
    const auto connect_end = phase_probe::take(pid, softirq);
    const double connect_s = static_cast<double>(connect_end.wall - connect_start.wall) / 1e9;
    print("clients", static_cast<double>(o.clients));
    print("clients_joined", static_cast<double>(clients.joined()));
    print("clients_failed", static_cast<double>(clients.failed()));
    print("connect_s", connect_s, 3);
    print("connects_per_s", static_cast<double>(clients.joined()) / connect_s);
    print("connect_server_cpu_ms",
          static_cast<double>(connect_end.server_ns - connect_start.server_ns) / 1e6, 1);
    print("connect_generator_cpu_ms",
          static_cast<double>(connect_end.own_ns - connect_start.own_ns) / 1e6, 1);

    // --- idle ------------------------------------------------------------------------------
    std::this_thread::sleep_for(milliseconds(static_cast<long>(o.settle_s * 1000)));
    const std::uint64_t rss_joined = pid != 0 ? rss_kib(pid) : 0;
    const auto idle_start = phase_probe::take(pid, softirq);
    std::this_thread::sleep_for(milliseconds(static_cast<long>(o.idle_s * 1000)));
    const auto idle_end = phase_probe::take(pid, softirq);
    const std::uint64_t rss_idle = pid != 0 ? rss_kib(pid) : 0;
    const double idle_wall = static_cast<double>(idle_end.wall - idle_start.wall);
    const double idle_cpu_share =
        static_cast<double>(idle_end.server_ns - idle_start.server_ns) / idle_wall;
    if (pid != 0) {
        print("server_rss_before_kib", static_cast<double>(rss_before));
        print("server_rss_joined_kib", static_cast<double>(rss_joined));
        print("server_rss_idle_kib", static_cast<double>(rss_idle));
        const auto joined = std::max<std::size_t>(1, clients.joined());
        print("server_rss_per_client_kib",
              (static_cast<double>(rss_idle) - static_cast<double>(rss_before)) /
                  static_cast<double>(joined),
              2);
        print("server_idle_cpu_pct", 100 * idle_cpu_share, 2);
    }
    // bench/gateway/run waits for this line to start a profiler on the publish phase.
    print("publishing", o.rates.front(), 2);
    std::fflush(stdout);

    // --- publish: one step per rate --------------------------------------------------------
    std::unique_ptr<redis_publisher> redis;
    if (!o.redis.empty()) {
        const auto colon = o.redis.rfind(':');
        if (colon == std::string::npos) throw std::invalid_argument("--redis wants HOST:PORT");
        redis = std::make_unique<redis_publisher>(o.redis.substr(0, colon),
                                                  std::stoi(o.redis.substr(colon + 1)), o.channel);
    }
    event_source source(rest, api_token, std::move(redis), rooms, sent);
    const step_context context{o,      pid,          softirq,        clients,
                               source, rooms.size(), idle_cpu_share, post_cpu_ns};
    std::size_t seq_mismatch = 0;
    bool all_complete = true;
    for (std::size_t i = 0; i < o.rates.size() && o.duration_s > 0; ++i) {
        // One rate keeps the plain names; a ladder prefixes each step's.
        const std::string prefix = o.rates.size() > 1 ? "step" + std::to_string(i) + "_" : "";
        const auto r = publish_step(context, o.rates[i], prefix);
        seq_mismatch += r.seq_mismatch;
        all_complete = all_complete && r.complete;
        if (o.rates.size() > 1) {
            print("steps", static_cast<double>(i + 1));
            if (o.stop_p99_ms > 0 && (r.p99_ms > o.stop_p99_ms || !r.complete)) break;
            std::this_thread::sleep_for(milliseconds(static_cast<long>(o.step_pause_s * 1000)));
        }
    }
    clients.stop();
    // A ladder runs until the server falls behind, so its last step may be
    // incomplete; a single rate must deliver everything.
    const bool complete = clients.failed() == 0 && seq_mismatch == 0 && clients.unmatched() == 0 &&
                          (o.rates.size() > 1 || all_complete);
    if (!complete) std::cerr << "gateway_load: incomplete run (see the counts above)\n";
    std::fflush(stdout);
    // The clients are abandoned rather than closed one by one; the server sees resets.
    _exit(complete ? 0 : 2);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Socket.IO gateway load generator (see docs/benchmarks.md)"};
    options o;
    app.add_option("--server", o.server, "Socket.IO server HOST:PORT")->capture_default_str();
    app.add_option("--api", o.api,
                   "simple-chat REST API HOST:PORT for the set-up and the posts "
                   "(default: --server)");
    app.add_option("--server-pid", o.server_pid, "Server pid, for RSS and CPU from /proc");
    app.add_option("--jwt-secret-file", o.jwt_secret_file,
                   "File with the server's HS256 secret: mint one token per client "
                   "(default: every client uses the token from POST /token)");
    app.add_option("--clients", o.clients, "WebSocket clients")->capture_default_str();
    app.add_option("--rooms", o.rooms, "Rooms; client i joins room i % rooms")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--rate", o.rates,
                   "Events per second (all rooms); several (comma-separated) make a ladder "
                   "of publish steps, each --duration long")
        ->delimiter(',')
        ->check(CLI::PositiveNumber);
    app.add_option("--duration", o.duration_s, "Publish phase (per step), seconds; 0: none")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--stop-p99-ms", o.stop_p99_ms,
                   "Ladder: stop after a step with a p99 above this or an incomplete delivery "
                   "(0: run every step)")
        ->capture_default_str();
    app.add_option("--step-pause", o.step_pause_s, "Ladder: seconds between steps")
        ->capture_default_str();
    app.add_option("--redis", o.redis,
                   "Redis HOST:PORT: PUBLISH relay events on --channel instead of posting "
                   "messages through the API");
    app.add_option("--channel", o.channel, "Redis relay channel")->capture_default_str();
    app.add_option("--settle", o.settle_s,
                   "Seconds to let the server settle after the joins (half as much before "
                   "the RSS baseline)")
        ->capture_default_str();
    app.add_option("--idle", o.idle_s, "Idle phase after connecting, seconds")
        ->capture_default_str();
    app.add_option("--drain", o.drain_s, "Wait for late events after the last post, seconds")
        ->capture_default_str();
    app.add_option("--connect-timeout", o.connect_timeout_s, "Seconds to connect every client")
        ->capture_default_str();
    app.add_option("--threads", o.threads, "Client I/O threads")->capture_default_str();
    app.add_option("--in-flight", o.in_flight, "Handshakes in progress at once")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--calibrate-posts", o.calibrate_posts,
                   "Posts to a room nobody joined, to measure the server CPU of a POST "
                   "(subtracted from the publish phase; 0: none; not with --redis)")
        ->capture_default_str();
    app.add_option("--source-range", o.source_range,
                   "Local IPv4 addresses to connect from, FIRST[-LAST], e.g. "
                   "127.0.0.1-127.0.0.4 (each serves ~28k connections to one port; default: "
                   "one more 127.0.0.x per 20,000 clients)");
    CLI11_PARSE(app, argc, argv);
    if (o.rates.empty()) o.rates.push_back(2);
    try {
        return run(o);
    } catch (const std::exception& e) {
        std::cerr << "gateway_load: " << e.what() << '\n';
        return 1;
    }
}
