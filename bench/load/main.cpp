// gateway_load: a load generator for the Socket.IO gateway (not a test).
//
// Signs up one user and creates rooms through the REST API, opens N
// WebSocket Socket.IO clients that all join those rooms as that user (one
// user may hold many sockets), then posts messages at a fixed rate on one
// keep-alive connection and times every relay event from just before its
// POST to its receipt. With --server-pid it reads the server's RSS and CPU
// from /proc at the phase boundaries. Prints one `name value` line per
// result; bench/gateway/run turns them into a table.
//
// Latency needs no text in the event: a room's seq is gapless and one poster
// sends sequentially, so the k-th post to a room gets seq k, and its send time
// is recorded before the request goes out (the event can arrive before the
// POST's response).

#include "auth/jwt.hpp"
#include "core/random.hpp"
#include "fleet.hpp"
#include "percentile.hpp"
#include "proc_stats.hpp"
#include "rest_client.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
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
    double rate = 2;  // posts per second, all rooms together
    double duration_s = 20;
    double idle_s = 30;  // more than one pingInterval: holds a heartbeat round
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

int run(const options& o) {
    chat::core::init_crypto();
    const auto server = parse_server(o.server);
    rest_client rest(server);

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
    double post_cpu_ns = 0;
    if (o.calibrate_posts > 0) {
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
    std::this_thread::sleep_for(milliseconds(500));
    const std::uint64_t rss_before = pid != 0 ? rss_kib(pid) : 0;

    // --- connect --------------------------------------------------------------------------
    const auto total_posts = static_cast<std::size_t>(std::llround(o.rate * o.duration_s));
    send_times sent(rooms.size(), total_posts / rooms.size() + 1);
    fleet_config fc;
    fc.server = server;
    fc.room_ids = rooms;
    fc.tokens = std::move(tokens);
    fc.source_addresses = parse_source_range(o.source_range);
    fc.clients = o.clients;
    fc.in_flight = o.in_flight;
    fc.threads = o.threads;
    fleet clients(std::move(fc), sent);
    const auto connect_start = now_ns();
    clients.start();
    const auto connect_deadline =
        connect_start + static_cast<std::int64_t>(o.connect_timeout_s * 1e9);
    while (clients.joined() + clients.failed() < o.clients && now_ns() < connect_deadline) {
        std::this_thread::sleep_for(milliseconds(10));
    }
    const double connect_s = static_cast<double>(now_ns() - connect_start) / 1e9;
    print("clients", static_cast<double>(o.clients));
    print("clients_joined", static_cast<double>(clients.joined()));
    print("clients_failed", static_cast<double>(clients.failed()));
    print("connect_s", connect_s, 2);
    print("connects_per_s", static_cast<double>(clients.joined()) / connect_s);

    // --- idle ------------------------------------------------------------------------------
    std::this_thread::sleep_for(milliseconds(1000));
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
    print("publishing", o.rate, 2);
    std::fflush(stdout);

    // --- publish ---------------------------------------------------------------------------
    const auto deliveries_before = clients.deliveries();
    const auto bytes_before = clients.delivered_bytes();
    std::uint64_t expected = 0;
    std::vector<std::size_t> posts_per_room(rooms.size(), 0);
    for (std::size_t k = 0; k < total_posts; ++k) ++posts_per_room[k % rooms.size()];
    for (std::size_t r = 0; r < rooms.size(); ++r) {
        const std::size_t members = o.clients / rooms.size() + (r < o.clients % rooms.size());
        expected += members * posts_per_room[r];
    }
    std::size_t seq_mismatch = 0;
    std::int64_t post_wall_max = 0;
    std::int64_t last_send = 0;
    const auto start = phase_probe::take(pid, softirq);
    const double interval_ns = 1e9 / o.rate;
    for (std::size_t k = 0; k < total_posts; ++k) {
        const auto due =
            start.wall + static_cast<std::int64_t>(static_cast<double>(k) * interval_ns);
        while (now_ns() < due) {
            std::this_thread::sleep_for(
                std::chrono::nanoseconds(std::min<std::int64_t>(due - now_ns(), 1'000'000)));
        }
        const std::size_t room = k % rooms.size();
        const std::uint64_t seq = k / rooms.size() + 1;
        const auto t = now_ns();
        last_send = t;
        sent.record(room, seq, t);
        const auto body = rest.expect(201, "POST", "/rooms/" + rooms[room] + "/messages",
                                      R"({"text":"gateway bench"})", api_token);
        post_wall_max = std::max(post_wall_max, now_ns() - t);
        if (json::parse(body).as_object().at("seq").to_number<std::uint64_t>() != seq) {
            ++seq_mismatch;
        }
    }
    const auto posted = now_ns();
    // Below `rate` when a POST takes longer than the interval (one poster, in order).
    const double achieved_rate = total_posts > 1
                                     ? static_cast<double>(total_posts - 1) /
                                           (static_cast<double>(last_send - start.wall) / 1e9)
                                     : o.rate;
    const auto drain_deadline = posted + static_cast<std::int64_t>(o.drain_s * 1e9);
    while (clients.deliveries() - deliveries_before < expected && now_ns() < drain_deadline) {
        std::this_thread::sleep_for(milliseconds(1));
    }
    const auto end = phase_probe::take(pid, softirq);
    const std::uint64_t delivered = clients.deliveries() - deliveries_before;
    const std::uint64_t delivered_bytes = clients.delivered_bytes() - bytes_before;
    const std::int64_t last = std::max(clients.last_receipt_ns(), start.wall + 1);
    const double phase_s = static_cast<double>(last - start.wall) / 1e9;
    const double measured_s = static_cast<double>(end.wall - start.wall) / 1e9;
    const auto dropped = clients.dropped();
    const auto unmatched = clients.unmatched();
    clients.stop();
    auto latencies = clients.latencies();

    print("rate_per_s", o.rate, 2);
    print("posts", static_cast<double>(total_posts));
    print("post_rate_achieved_per_s", achieved_rate, 2);
    print("post_seq_mismatch", static_cast<double>(seq_mismatch));
    print("post_wall_max_ms", static_cast<double>(post_wall_max) / 1e6, 2);
    print("deliveries_expected", static_cast<double>(expected));
    print("deliveries", static_cast<double>(delivered));
    print("deliveries_unmatched", static_cast<double>(unmatched));
    print("clients_dropped", static_cast<double>(dropped));
    print("frame_bytes",
          delivered ? static_cast<double>(delivered_bytes) / static_cast<double>(delivered) : 0);
    print("publish_s", phase_s, 3);
    print("deliveries_per_s", static_cast<double>(delivered) / phase_s);
    print("latency_p50_ms", percentile_ms(latencies, 0.50), 3);
    print("latency_p90_ms", percentile_ms(latencies, 0.90), 3);
    print("latency_p99_ms", percentile_ms(latencies, 0.99), 3);
    print("latency_p999_ms", percentile_ms(latencies, 0.999), 3);
    print("latency_max_ms", percentile_ms(latencies, 1.0), 3);
    const double own_ms = static_cast<double>(end.own_ns - start.own_ns) / 1e6;
    print("generator_cpu_ms", own_ms, 1);
    print("generator_cpu_pct", own_ms / 10 / measured_s, 1);
    const double machine_busy =
        end.machine.total > start.machine.total
            ? static_cast<double>(end.machine.busy - start.machine.busy) /
                  static_cast<double>(end.machine.total - start.machine.total)
            : 0;
    print("machine_busy_pct_of_all_cpus", 100 * machine_busy, 1);
    print("ksoftirqd_cpu_ms", static_cast<double>(end.softirq_ns - start.softirq_ns) / 1e6, 1);
    if (pid != 0 && delivered > 0) {
        const double server_ns = static_cast<double>(end.server_ns - start.server_ns);
        const double idle_ns = idle_cpu_share * static_cast<double>(end.wall - start.wall);
        const double posts_ns = post_cpu_ns * static_cast<double>(total_posts);
        const double per_delivery =
            (server_ns - posts_ns - idle_ns) / static_cast<double>(delivered);
        print("server_cpu_ms", server_ns / 1e6, 1);
        print("server_cpu_ticks", static_cast<double>(end.server_ticks - start.server_ticks));
        print("server_cpu_pct", server_ns / 1e7 / measured_s, 1);
        print("server_cpu_posts_ms", posts_ns / 1e6, 1);
        print("server_cpu_idle_ms", idle_ns / 1e6, 1);
        print("server_cpu_per_delivery_raw_us", server_ns / static_cast<double>(delivered) / 1e3,
              3);
        print("server_cpu_per_delivery_us", per_delivery / 1e3, 3);
    }
    const bool complete =
        delivered == expected && seq_mismatch == 0 && unmatched == 0 && clients.failed() == 0;
    if (!complete) std::cerr << "gateway_load: incomplete run (see the counts above)\n";
    std::fflush(stdout);
    // The clients are abandoned rather than closed one by one; the server sees resets.
    _exit(complete ? 0 : 2);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Socket.IO gateway load generator (see docs/benchmarks.md)"};
    options o;
    app.add_option("--server", o.server, "Server HOST:PORT")->capture_default_str();
    app.add_option("--server-pid", o.server_pid, "Server pid, for RSS and CPU from /proc");
    app.add_option("--jwt-secret-file", o.jwt_secret_file,
                   "File with the server's HS256 secret: mint one token per client "
                   "(default: every client uses the token from POST /token)");
    app.add_option("--clients", o.clients, "WebSocket clients")->capture_default_str();
    app.add_option("--rooms", o.rooms, "Rooms; client i joins room i % rooms")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--rate", o.rate, "Messages posted per second (all rooms)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--duration", o.duration_s, "Publish phase, seconds")
        ->check(CLI::PositiveNumber)
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
                   "(subtracted from the publish phase; 0: none)")
        ->capture_default_str();
    app.add_option("--source-range", o.source_range,
                   "Local IPv4 addresses to connect from, FIRST[-LAST], e.g. "
                   "127.0.0.1-127.0.0.4 (each serves ~28k connections to one port)");
    CLI11_PARSE(app, argc, argv);
    try {
        return run(o);
    } catch (const std::exception& e) {
        std::cerr << "gateway_load: " << e.what() << '\n';
        return 1;
    }
}
