#include "app/runtime.hpp"

#include "api/api.hpp"
#include "auth/jwt.hpp"
#include "core/metrics.hpp"
#include "core/random.hpp"
#include "core/rate_limit.hpp"
#include "gateway/gateway.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "relay/bus.hpp"
#include "relay/redis_bus.hpp"
#include "store/blob_store.hpp"
#include "store/store.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <sys/stat.h>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>

namespace chat::app {

namespace fs = std::filesystem;
namespace asio = boost::asio;

namespace {

constexpr const char* version = "0.1.0";

// A secret generated once and kept beside the data, readable by its owner only.
std::string load_or_create_secret(const fs::path& file) {
    if (fs::exists(file)) {
        std::ifstream in(file, std::ios::binary);
        std::string secret((std::istreambuf_iterator<char>(in)), {});
        while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r'))
            secret.pop_back();
        if (secret.size() < 32)
            throw std::runtime_error(file.string() + ": secret shorter than 32 bytes");
        return secret;
    }
    const auto secret = core::base64url_encode(core::random_bytes(48));
    const auto tmp = file.string() + ".tmp";
    {
        const mode_t old = ::umask(077);
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        ::umask(old);
        out << secret << '\n';
        if (!out) throw std::runtime_error("cannot write " + tmp);
    }
    fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    fs::rename(tmp, file);
    spdlog::info("generated a new JWT secret in {}", file.string());
    return secret;
}

std::unique_ptr<store::store> open_store(const config& c) {
    auto s = store::open(c.database, c.db_pool);
    const int v = s->migrate();
    spdlog::info("store ready: {} (schema version {})",
                 c.database.starts_with("sqlite") ? c.database : std::string("database"), v);
    return s;
}

core::rate rate_from(const std::string& text, const char* what) {
    const auto r = core::parse_rate(text);
    if (!r) throw std::runtime_error(std::string(what) + ": not a rate: " + text);
    return *r;
}

api::abuse_limits abuse_limits_from(const config& c) {
    api::abuse_limits l;
    l.login_per_account = rate_from(c.login_rate_per_account, "--login-rate-per-account");
    l.login_per_ip = rate_from(c.login_rate_per_ip, "--login-rate-per-ip");
    l.signup_per_ip = rate_from(c.signup_rate_per_ip, "--signup-rate-per-ip");
    l.messages_per_user = rate_from(c.message_rate_per_user, "--message-rate-per-user");
    return l;
}

gateway::gateway_config gateway_config_from(const config& c) {
    gateway::gateway_config g;
    g.path = c.socketio_path;
    if (g.path.empty() || g.path.front() != '/') g.path.insert(g.path.begin(), '/');
    if (g.path.back() != '/') g.path.push_back('/');
    g.ping_interval = std::chrono::milliseconds(c.ping_interval_ms);
    g.ping_timeout = std::chrono::milliseconds(c.ping_timeout_ms);
    g.max_payload = c.max_payload;
    g.cors_origins = c.cors_origins;
    g.max_connections = c.max_connections;
    g.max_connections_per_ip = c.max_connections_per_ip;
    g.send_queue_frames = c.send_queue_frames;
    g.send_queue_bytes = c.send_queue_bytes;
    g.joins_per_socket = rate_from(c.join_rate_per_socket, "--join-rate-per-socket");
    return g;
}

// The web client's files (serve only), read into memory once: see
// http/static_files.hpp for why. An explicit --web-root must load; the
// build's own web directory is optional (a build without Node has none).
std::optional<http::static_files> load_web_client(const config& c) {
    fs::path root = c.web_root;
#ifdef SIMPLE_CHAT_DEFAULT_WEB_ROOT
    if (root.empty()) {
        root = SIMPLE_CHAT_DEFAULT_WEB_ROOT;
        if (!fs::is_directory(root)) {
            spdlog::warn("no web client: {} does not exist (build with npm, or pass --web-root)",
                         root.string());
            return std::nullopt;
        }
    }
#endif
    if (root.empty()) return std::nullopt;
    auto site = http::static_files::load(root);
    spdlog::info("web client: {} files, {} KiB from {}", site.file_count(),
                 site.total_bytes() / 1024, root.string());
    return site;
}

}  // namespace

void finalize(config& c) {
    core::init_crypto();
    spdlog::set_level(spdlog::level::from_str(c.log_level));
    std::error_code ec;
    fs::create_directories(c.data_dir, ec);
    if (ec)
        throw std::runtime_error("cannot create data directory " + c.data_dir + ": " +
                                 ec.message());
    if (c.database.empty()) c.database = "sqlite:" + (fs::path(c.data_dir) / "chat.db").string();
    if (c.jwt_secret.empty())
        c.jwt_secret = load_or_create_secret(fs::path(c.data_dir) / "jwt-secret");
    if (c.jwt_secret.size() < 32)
        throw std::runtime_error("the JWT secret must be at least 32 bytes");
    if (c.threads == 0) c.threads = std::max(1u, std::thread::hardware_concurrency());
    if (c.db_pool == 0) throw std::runtime_error("--db-pool must be at least 1");
}

int run_migrate(config c) {
    finalize(c);
    open_store(c);
    return 0;
}

int run_set_admin(config c, const std::string& email, bool admin) {
    finalize(c);
    const auto store = open_store(c);
    const auto user = store->find_user_by_email(email);
    if (!user) {
        spdlog::error("no active user with the e-mail address {}", email);
        return 1;
    }
    store->set_admin(user->id, admin);
    spdlog::info("{} ({}) {} the admin role", user->email, user->id,
                 admin ? "has" : "no longer has");
    return 0;
}

int run_role(role r, config c) {
    finalize(c);
    const bool with_api = r == role::serve || r == role::api;
    const bool with_gateway = r == role::serve || r == role::gateway;
    if (r != role::serve && c.redis_url.empty()) {
        throw std::runtime_error("the api and gateway roles need --redis (SIMPLE_CHAT_REDIS)");
    }
    core::registry metrics;
    auto store = open_store(c);
    // The broker seam: in-process for a lone `serve`, Redis between nodes.
    std::unique_ptr<relay::redis_bus> redis;
    std::unique_ptr<relay::bus> local_bus;
    std::vector<api::health_check> checks;
    if (!c.redis_url.empty()) {
        relay::redis_config rc;
        rc.url = c.redis_url;
        rc.channel = c.relay_channel;
        redis = relay::make_redis_bus(rc, metrics);
        checks.push_back({"redis", [bus = redis.get()] { return bus->healthy(); }});
        spdlog::info("relay bus: Redis channel '{}'", c.relay_channel);
    } else {
        local_bus = relay::make_in_process_bus();
    }
    relay::bus& bus = redis ? static_cast<relay::bus&>(*redis) : *local_bus;
    const auth::jwt_codec jwt(c.jwt_secret);
    // Database calls and password hashing run here, never on an I/O thread.
    asio::thread_pool blocking(c.db_pool + 2);

    asio::io_context io(static_cast<int>(c.threads));
    const api::token_policy tokens{std::chrono::seconds(c.access_token_ttl_s),
                                   std::chrono::seconds(c.refresh_token_ttl_s)};
    std::vector<std::string> admins;
    for (auto email : c.admin_emails) {
        // Stored e-mail addresses are lower-case (ASCII), so compare them so.
        for (auto& ch : email) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        admins.push_back(std::move(email));
    }
    // Uploaded files live beside the database (shared storage when several
    // api nodes serve one database).
    std::optional<store::blob_store> blobs;
    if (with_api) blobs.emplace(fs::path(c.data_dir) / "files");
    api::rest_api rest({*store, bus, jwt, blocking, metrics, tokens, version, std::move(checks),
                        std::move(admins), abuse_limits_from(c), blobs ? &*blobs : nullptr,
                        c.max_upload});
    std::optional<gateway::gateway> socket_gateway;
    http::router routes(metrics);
    rest.register_actuator_routes(routes);
    if (with_gateway) {
        socket_gateway.emplace(gateway_config_from(c),
                               gateway::gateway_dependencies{io, jwt, *store, blocking, metrics});
        socket_gateway->register_routes(routes);
        socket_gateway->attach(bus);
    }
    if (with_api) rest.register_api_routes(routes);
    std::optional<http::static_files> web_client;
    if (r == role::serve) web_client = load_web_client(c);
    if (web_client) {
        // Only paths that name a file: anything else stays an unknown route.
        routes.fallback(
            [&web_client](http::request_context& ctx) -> asio::awaitable<http::response> {
                co_return web_client->respond(ctx.req, ctx.url.path(), ctx.trace_id);
            },
            [&web_client](std::string_view path) { return web_client->contains(path); });
    }

    http::server_config sc;
    sc.listen = http::parse_endpoint(c.listen);
    sc.body_limit = c.body_limit;
    sc.header_timeout = std::chrono::milliseconds(c.header_timeout_ms);
    sc.body_timeout = std::chrono::milliseconds(c.body_timeout_ms);
    sc.idle_timeout = std::chrono::milliseconds(c.idle_timeout_ms);
    sc.access_log = c.access_log;
    sc.trusted = http::trusted_proxies::parse(c.trusted_proxies);
    if (!sc.trusted.empty())
        spdlog::info("client addresses from X-Forwarded-For of the trusted proxies {}",
                     sc.trusted.to_string());
    // Signals are caught before the port is announced: a SIGTERM right after
    // the "listening" line must drain, not kill.
    asio::signal_set signals(io, SIGINT, SIGTERM);
    http::server server(io, sc, routes);
    const auto bound = server.start();
    // Tests and scripts read the port from this line (it matters with port 0).
    spdlog::info("simple-chat {} {} listening on {}:{}", version, to_string(r),
                 bound.address().to_string(), bound.port());

    auto work = asio::make_work_guard(io);
    asio::steady_timer drain_timer(io);
    std::chrono::steady_clock::time_point drain_until;
    // Poll until in-flight requests are done or the grace period ends.
    std::function<void(const boost::system::error_code&)> drain_step =
        [&](const boost::system::error_code&) {
            const auto open = server.connections();
            if (open == 0 || std::chrono::steady_clock::now() >= drain_until) {
                if (open != 0) spdlog::warn("grace period over with {} connections open", open);
                work.reset();
                io.stop();
                return;
            }
            drain_timer.expires_after(std::chrono::milliseconds(20));
            drain_timer.async_wait(drain_step);
        };
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("signal {} received: draining", sig);
        if (socket_gateway) socket_gateway->stop();
        server.stop();
        drain_until =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(c.shutdown_grace_ms);
        drain_step({});
    });

    std::vector<std::thread> threads;
    for (unsigned i = 1; i < c.threads; ++i) threads.emplace_back([&io] { io.run(); });
    io.run();
    for (auto& t : threads) t.join();
    blocking.join();
    if (redis) redis->stop();  // flushes what the last requests published
    spdlog::info("stopped");
    return 0;
}

const char* to_string(role r) noexcept {
    switch (r) {
        case role::serve:
            return "serve";
        case role::api:
            return "api";
        case role::gateway:
            return "gateway";
    }
    return "?";
}

}  // namespace chat::app
