// e2e_latency: end-to-end latency of the scale-out path (not a test).
//
// For each run it starts its own redis-server, one `simple-chat api` and one
// `simple-chat gateway` node on free 127.0.0.1 ports (SQLite file on tmpfs,
// or --database), signs one user up through the api node, creates one room
// per poster, connects --clients WebSocket Socket.IO clients to the gateway
// node (bench/load's fleet), each joining every room, and then posts
// messages through the api node at a steady --rate for --duration seconds.
// Every `room.msg.new` a client receives is timed from just before its POST
// was written: the time through the api node, the store, Redis pub/sub, the
// gateway and its WebSocket write. Then it stops the three servers.
//
// Posters are open loop: post k is due at start + k / rate whatever the
// earlier posts did, spread over --posters connections (one room each, so
// the k-th post to a room has seq k and its event can be matched even when
// it arrives before the POST's response). A post sent more than 1 ms after
// it was due is counted as late.
//
// Prints a table per run and the medians of the runs, or with --json one
// JSON object {"config":{...},"runs":[{...}],"median":{...}}.

#include "auth/jwt.hpp"
#include "core/random.hpp"
#include "fleet.hpp"
#include "percentile.hpp"
#include "proc_stats.hpp"
#include "processes.hpp"
#include "rest_client.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#ifndef SIMPLE_CHAT_DEFAULT_BINARY
#define SIMPLE_CHAT_DEFAULT_BINARY "simple-chat"
#endif

namespace {

namespace json = boost::json;
namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace chat::bench;
using namespace std::chrono_literals;

struct options {
    double rate = 500;
    double duration_s = 10;
    double warmup_s = 2;
    std::size_t clients = 100;
    std::size_t posters = 4;
    unsigned runs = 1;
    bool json_output = false;
    std::string database;  // empty: a SQLite file in the run's directory
    std::string binary = SIMPLE_CHAT_DEFAULT_BINARY;
    std::string redis_server = "redis-server";
    unsigned server_threads = 0;
    unsigned db_pool = 4;
    unsigned client_threads = 1;
    double drain_s = 5;
    std::string tmpdir;
};

// One run's results, in the order they are printed.
using result = std::vector<std::pair<std::string, double>>;

std::string field(const std::string& body, std::string_view name) {
    return std::string(json::parse(body).as_object().at(name).as_string());
}

fs::path default_tmpdir() {
    // tmpfs when there is one: the store's disk writes are not what this measures.
    if (::access("/dev/shm", W_OK) == 0) return "/dev/shm";
    if (const char* t = std::getenv("TMPDIR")) return t;
    return "/tmp";
}

// CPU of the servers, of this process and of the machine across one phase.
struct cpu_probe {
    std::int64_t wall = 0;
    std::uint64_t api = 0, gateway = 0, redis = 0, own = 0;
    machine_ticks machine;

    static cpu_probe take(pid_t api, pid_t gateway, pid_t redis) {
        return {now_ns(),      cpu_ns(api),  cpu_ns(gateway),
                cpu_ns(redis), own_cpu_ns(), read_machine_ticks()};
    }
};

// What the posters saw.
struct post_stats {
    std::vector<std::int64_t> round_trips;  // POST request to response, ns
    std::size_t late = 0;
    std::size_t seq_mismatch = 0;
    std::int64_t last_send = 0;
};

// Posts k = first .. first+count-1 at `rate`, post k to room k % rooms with
// seq k / rooms + 1, from one thread and connection per room. `warmup`
// marks the send times so that their events are not timed.
post_stats post_phase(const asio::ip::tcp::endpoint& api, const std::string& token,
                      const std::vector<std::string>& rooms, send_times& sent, std::size_t first,
                      std::size_t count, double rate, bool warmup) {
    std::mutex mutex;
    post_stats total;
    std::exception_ptr failure;
    const std::int64_t start = now_ns() + 20'000'000;  // let every poster get ready
    const double interval_ns = 1e9 / rate;
    std::vector<std::thread> posters;
    for (std::size_t r = 0; r < rooms.size(); ++r) {
        posters.emplace_back([&, r] {
            post_stats mine;
            try {
                rest_client rest(api);
                const std::string target = "/rooms/" + rooms[r] + "/messages";
                for (std::size_t k = first; k < first + count; ++k) {
                    if (k % rooms.size() != r) continue;
                    const auto due = start + static_cast<std::int64_t>(
                                                 static_cast<double>(k - first) * interval_ns);
                    while (now_ns() < due) {
                        std::this_thread::sleep_for(std::chrono::nanoseconds(
                            std::min<std::int64_t>(due - now_ns(), 1'000'000)));
                    }
                    const std::uint64_t seq = k / rooms.size() + 1;
                    const auto t = now_ns();
                    if (t - due > 1'000'000) ++mine.late;
                    sent.record(r, seq, warmup ? -1 : t);
                    const auto body =
                        rest.expect(201, "POST", target, R"({"text":"e2e latency bench"})", token);
                    mine.round_trips.push_back(now_ns() - t);
                    mine.last_send = std::max(mine.last_send, t);
                    if (json::parse(body).as_object().at("seq").to_number<std::uint64_t>() != seq) {
                        ++mine.seq_mismatch;
                    }
                }
            } catch (...) {
                std::lock_guard lock(mutex);
                failure = std::current_exception();
            }
            std::lock_guard lock(mutex);
            total.round_trips.insert(total.round_trips.end(), mine.round_trips.begin(),
                                     mine.round_trips.end());
            total.late += mine.late;
            total.seq_mismatch += mine.seq_mismatch;
            total.last_send = std::max(total.last_send, mine.last_send);
        });
    }
    for (auto& t : posters) t.join();
    if (failure) std::rethrow_exception(failure);
    total.last_send -= start;
    return total;
}

void wait_for_deliveries(const fleet& clients, std::uint64_t expected, double seconds) {
    const auto deadline = now_ns() + static_cast<std::int64_t>(seconds * 1e9);
    while (clients.deliveries() < expected && now_ns() < deadline) std::this_thread::sleep_for(1ms);
}

result run_once(const options& o, unsigned index) {
    const fs::path base = o.tmpdir.empty() ? default_tmpdir() : fs::path(o.tmpdir);
    std::string pattern = (base / "e2e-latency.XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp in " + base.string());
    const fs::path dir = pattern;
    struct remove_dir {
        fs::path p;
        ~remove_dir() {
            std::error_code ec;
            fs::remove_all(p, ec);
        }
    } cleanup{dir};

    // --- servers ------------------------------------------------------------------------
    auto redis = start_redis(o.redis_server, dir);
    const std::string secret = chat::core::base64url_encode(chat::core::random_bytes(48));
    const std::string database =
        o.database.empty() ? "sqlite:" + (dir / "chat.db").string() : o.database;
    auto node_args = [&](const std::string& name) {
        std::vector<std::string> a{
            "--data-dir",     (dir / name).string(),
            "--jwt-secret",   secret,
            "--redis",        "redis://127.0.0.1:" + std::to_string(redis.port),
            "--database",     database,
            "--db-pool",      std::to_string(o.db_pool),
            "--no-access-log"};
        if (o.server_threads != 0) {
            a.push_back("--threads");
            a.push_back(std::to_string(o.server_threads));
        }
        return a;
    };
    // The api node first: it applies the migrations the gateway then finds.
    // One user posts at the bench's rate: the abuse limits would refuse it.
    auto api_args = node_args("api");
    api_args.insert(api_args.end(), {"--message-rate-per-user", "0", "--login-rate-per-ip", "0",
                                     "--signup-rate-per-ip", "0"});
    auto api = start_chat_node(o.binary, "api", api_args, dir / "api.log");
    auto gateway = start_chat_node(o.binary, "gateway", node_args("gateway"), dir / "gateway.log");
    const asio::ip::tcp::endpoint api_ep(asio::ip::address_v4::loopback(), api.port);
    const asio::ip::tcp::endpoint gateway_ep(asio::ip::address_v4::loopback(), gateway.port);

    // --- one user, one room per poster ----------------------------------------------------
    rest_client rest(api_ep);
    const std::string email = "e2e-" + chat::core::uuid_v4().substr(0, 8) + "@example.com";
    const std::string user_id = field(
        rest.expect(201, "POST", "/users",
                    json::serialize(json::object{
                        {"email", email}, {"nickname", "e2e bench"}, {"password", "bench-pass-1"}}),
                    ""),
        "id");
    const std::string token = field(
        rest.expect(200, "POST", "/token",
                    json::serialize(json::object{{"email", email}, {"password", "bench-pass-1"}}),
                    ""),
        "accessToken");
    std::vector<std::string> rooms;
    for (std::size_t r = 0; r < o.posters; ++r) {
        rooms.push_back(
            field(rest.expect(201, "POST", "/rooms",
                              json::serialize(json::object{{"name", "e2e-" + std::to_string(r)},
                                                           {"participantIds", json::array{}}}),
                              token),
                  "id"));
    }

    // --- clients on the gateway, each in every room -----------------------------------------
    const auto posts = static_cast<std::size_t>(std::llround(o.rate * o.duration_s));
    // Warm-up posts: a whole number per room, so the measured seqs follow on.
    const auto warmup_posts =
        static_cast<std::size_t>(std::ceil(o.rate * o.warmup_s / static_cast<double>(o.posters))) *
        o.posters;
    send_times sent(rooms.size(), (warmup_posts + posts) / rooms.size() + 2);
    fleet_config fc;
    fc.server = gateway_ep;
    fc.room_ids = rooms;
    fc.join_every_room = true;
    const chat::auth::jwt_codec jwt(secret);
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    for (std::size_t i = 0; i < o.clients; ++i) fc.tokens.push_back(jwt.issue(user_id, now_s, 1h));
    fc.clients = o.clients;
    fc.threads = o.client_threads;
    fleet clients(std::move(fc), sent);
    clients.start();
    const auto connect_deadline = now_ns() + 60'000'000'000;
    while (clients.joined() + clients.failed() < o.clients && now_ns() < connect_deadline) {
        std::this_thread::sleep_for(10ms);
    }
    if (clients.joined() != o.clients) {
        throw std::runtime_error(std::to_string(clients.joined()) + " of " +
                                 std::to_string(o.clients) + " clients joined");
    }

    // --- warm-up, then the measured phase -------------------------------------------------
    if (warmup_posts > 0) {
        post_phase(api_ep, token, rooms, sent, 0, warmup_posts, o.rate, true);
        wait_for_deliveries(clients, warmup_posts * o.clients, o.drain_s);
    }
    const auto deliveries_before = clients.deliveries();
    const auto unmatched_before = clients.unmatched();
    const pid_t api_pid = api.process.pid(), gw_pid = gateway.process.pid(),
                redis_pid = redis.process.pid();
    const auto start = cpu_probe::take(api_pid, gw_pid, redis_pid);
    auto stats = post_phase(api_ep, token, rooms, sent, warmup_posts, posts, o.rate, false);
    const std::uint64_t expected = posts * o.clients;
    wait_for_deliveries(clients, deliveries_before + expected, o.drain_s);
    const auto end = cpu_probe::take(api_pid, gw_pid, redis_pid);
    const std::uint64_t delivered = clients.deliveries() - deliveries_before;
    const std::uint64_t unmatched = clients.unmatched() - unmatched_before;
    const auto dropped = clients.dropped();
    clients.stop();
    auto latencies = clients.latencies();

    gateway.process.stop();
    api.process.stop();
    redis.process.stop();

    const double wall_s = static_cast<double>(end.wall - start.wall) / 1e9;
    auto pct = [&](std::uint64_t a, std::uint64_t b) {
        return static_cast<double>(b - a) / 1e7 / wall_s;  // % of one core
    };
    const double machine_busy =
        end.machine.total > start.machine.total
            ? 100.0 * static_cast<double>(end.machine.busy - start.machine.busy) /
                  static_cast<double>(end.machine.total - start.machine.total)
            : 0;
    result r{
        {"run", index},
        {"posts", static_cast<double>(posts)},
        {"rate_achieved_per_s",
         posts > 1 ? static_cast<double>(posts - 1) / (static_cast<double>(stats.last_send) / 1e9)
                   : o.rate},
        {"posts_late", static_cast<double>(stats.late)},
        {"deliveries_expected", static_cast<double>(expected)},
        {"deliveries", static_cast<double>(delivered)},
        {"deliveries_unmatched", static_cast<double>(unmatched)},
        {"clients_dropped", static_cast<double>(dropped)},
        {"post_seq_mismatch", static_cast<double>(stats.seq_mismatch)},
        {"latency_p50_ms", percentile_ms(latencies, 0.50)},
        {"latency_p90_ms", percentile_ms(latencies, 0.90)},
        {"latency_p99_ms", percentile_ms(latencies, 0.99)},
        {"latency_p999_ms", percentile_ms(latencies, 0.999)},
        {"latency_max_ms", percentile_ms(latencies, 1.0)},
        {"post_p50_ms", percentile_ms(stats.round_trips, 0.50)},
        {"post_p99_ms", percentile_ms(stats.round_trips, 0.99)},
        {"api_cpu_pct", pct(start.api, end.api)},
        {"gateway_cpu_pct", pct(start.gateway, end.gateway)},
        {"redis_cpu_pct", pct(start.redis, end.redis)},
        {"generator_cpu_pct", pct(start.own, end.own)},
        {"machine_busy_pct", machine_busy},
    };
    if (delivered != expected || unmatched != 0 || stats.seq_mismatch != 0 || dropped != 0) {
        std::cerr << "e2e_latency: run " << index << " incomplete: " << delivered << " of "
                  << expected << " deliveries, " << unmatched << " unmatched, "
                  << stats.seq_mismatch << " seq mismatches, " << dropped
                  << " clients dropped (logs: api " << api.process.log_tail(500) << ")\n";
    }
    return r;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const auto n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void print_text(const options& o, const std::vector<result>& runs, const result& med) {
    std::printf(
        "e2e latency: POST /rooms/{id}/messages on an api node -> room.msg.new on a "
        "gateway node's client\n");
    std::printf("rate %.0f/s, %.0f s (+%.0f s warm-up), %zu clients in %zu rooms, database %s\n\n",
                o.rate, o.duration_s, o.warmup_s, o.clients, o.posters,
                o.database.empty() ? "sqlite (tmpfs)" : "from --database");
    std::printf("%-28s", "");
    for (const auto& r : runs) {
        std::printf("%14s", ("run " + std::to_string(static_cast<int>(r[0].second))).c_str());
    }
    if (runs.size() > 1) std::printf("%14s", "median");
    std::printf("\n");
    for (std::size_t i = 1; i < med.size(); ++i) {
        std::printf("%-28s", med[i].first.c_str());
        for (const auto& r : runs) std::printf("%14.3f", r[i].second);
        if (runs.size() > 1) std::printf("%14.3f", med[i].second);
        std::printf("\n");
    }
}

// Whole numbers as JSON integers (Boost.JSON would print 5000.0 as 5E3).
json::value number(double v) {
    if (std::floor(v) == v && std::fabs(v) < 9e15) return static_cast<std::int64_t>(v);
    return v;
}

void print_json(const options& o, const std::vector<result>& runs, const result& med) {
    auto to_object = [](const result& r, std::size_t from) {
        json::object obj;
        for (std::size_t i = from; i < r.size(); ++i) obj[r[i].first] = number(r[i].second);
        return obj;
    };
    json::array jruns;
    for (const auto& r : runs) jruns.push_back(to_object(r, 0));
    json::object config{{"rate", number(o.rate)},
                        {"duration_s", number(o.duration_s)},
                        {"warmup_s", number(o.warmup_s)},
                        {"clients", o.clients},
                        {"posters", o.posters},
                        {"runs", o.runs},
                        {"database", o.database.empty() ? "sqlite" : "url"},
                        {"server_threads", o.server_threads},
                        {"db_pool", o.db_pool}};
    std::cout << json::serialize(json::object{{"benchmark", "e2e_latency"},
                                              {"config", std::move(config)},
                                              {"runs", std::move(jruns)},
                                              {"median", to_object(med, 1)}})
              << '\n';
}

int run(const options& o) {
    chat::core::init_crypto();
    // Clients, posters and the children's descriptors.
    rlimit nofile{};
    if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &nofile);
    }
    std::vector<result> runs;
    for (unsigned i = 1; i <= o.runs; ++i) {
        if (!o.json_output) std::fprintf(stderr, "e2e_latency: run %u of %u\n", i, o.runs);
        runs.push_back(run_once(o, i));
    }
    result med;
    for (std::size_t k = 0; k < runs.front().size(); ++k) {
        std::vector<double> values;
        for (const auto& r : runs) values.push_back(r[k].second);
        med.emplace_back(runs.front()[k].first, median(values));
    }
    if (o.json_output) {
        print_json(o, runs, med);
    } else {
        print_text(o, runs, med);
    }
    bool complete = true;
    for (const auto& r : runs) {
        std::map<std::string, double> m(r.begin(), r.end());
        complete = complete && m["deliveries"] == m["deliveries_expected"] &&
                   m["deliveries_unmatched"] == 0 && m["post_seq_mismatch"] == 0;
    }
    return complete ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "End-to-end latency: POST on an api node to room.msg.new on a gateway node's clients, "
        "over Redis (starts and stops its own redis-server, api and gateway; see "
        "docs/benchmarks.md)"};
    options o;
    app.add_option("--rate", o.rate, "Messages posted per second")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--duration", o.duration_s, "Measured phase, seconds")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--warmup", o.warmup_s, "Posts at the same rate before, not timed, seconds")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--clients", o.clients, "WebSocket clients on the gateway, each in every room")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--posters", o.posters,
                   "Concurrent posting connections, one room each (each event goes to every "
                   "client)")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    app.add_option("--runs", o.runs, "Runs, each on fresh servers; medians are reported")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    app.add_flag("--json", o.json_output, "One JSON object on stdout instead of a table");
    app.add_option("--database", o.database,
                   "Database URL for both nodes, e.g. mariadb://user:pass@127.0.0.1:3306/db "
                   "(default: a SQLite file in the run's directory)");
    app.add_option("--binary", o.binary, "The simple-chat executable")->capture_default_str();
    app.add_option("--redis-server", o.redis_server, "The redis-server executable")
        ->capture_default_str();
    app.add_option("--server-threads", o.server_threads, "--threads of each node (0: per core)")
        ->capture_default_str();
    app.add_option("--db-pool", o.db_pool, "--db-pool of each node")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--client-threads", o.client_threads, "I/O threads of the clients")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    app.add_option("--drain", o.drain_s, "Wait for late events after the last post, seconds")
        ->capture_default_str();
    app.add_option("--tmpdir", o.tmpdir,
                   "Where run directories go (default /dev/shm, else $TMPDIR)");
    CLI11_PARSE(app, argc, argv);
    try {
        return run(o);
    } catch (const std::exception& e) {
        std::cerr << "e2e_latency: " << e.what() << '\n';
        return 1;
    }
}
