// simple-chat: one program, several roles (SPEC §1).

#include "app/runtime.hpp"
#include "core/rate_limit.hpp"
#include "http/client_address.hpp"

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

namespace {

// Options shared by every role, each with its SIMPLE_CHAT_* environment twin.
void add_common_options(CLI::App& cmd, chat::app::config& c) {
    cmd.add_option("--data-dir", c.data_dir,
                   "Directory for the SQLite database and the generated secret")
        ->envname("SIMPLE_CHAT_DATA_DIR")
        ->capture_default_str();
    cmd.add_option("--database", c.database, "Database URL (default sqlite:<data-dir>/chat.db)")
        ->envname("SIMPLE_CHAT_DATABASE");
    cmd.add_option("--db-pool", c.db_pool, "Database connections (and blocking worker threads)")
        ->envname("SIMPLE_CHAT_DB_POOL")
        ->capture_default_str();
    cmd.add_option("--log-level", c.log_level, "trace, debug, info, warn, error, critical, off")
        ->envname("SIMPLE_CHAT_LOG_LEVEL")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
}

// An address or ADDRESS/PREFIX (http::trusted_proxies::parse).
const CLI::Validator trusted_proxy_spec(
    [](std::string& text) -> std::string {
        try {
            chat::http::trusted_proxies::parse({text});
            return {};
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
    },
    "ADDRESS[/PREFIX]");

void add_server_options(CLI::App& cmd, chat::app::config& c) {
    cmd.add_option("--listen", c.listen, "Address and port to listen on (port 0: any free port)")
        ->envname("SIMPLE_CHAT_LISTEN")
        ->capture_default_str();
    cmd.add_option(
           "--jwt-secret", c.jwt_secret,
           "HS256 secret, at least 32 bytes (default: generated into <data-dir>/jwt-secret)")
        ->envname("SIMPLE_CHAT_JWT_SECRET");
    cmd.add_option("--access-token-ttl", c.access_token_ttl_s, "Access token lifetime in seconds")
        ->envname("SIMPLE_CHAT_ACCESS_TOKEN_TTL")
        ->check(CLI::Range(10L, 86400L))
        ->capture_default_str();
    cmd.add_option("--refresh-token-ttl", c.refresh_token_ttl_s,
                   "Refresh token lifetime in seconds")
        ->envname("SIMPLE_CHAT_REFRESH_TOKEN_TTL")
        ->check(CLI::Range(60L, 365L * 86400))
        ->capture_default_str();
    cmd.add_option("--threads", c.threads, "I/O threads (0: one per core)")
        ->envname("SIMPLE_CHAT_THREADS")
        ->capture_default_str();
    cmd.add_option("--body-limit", c.body_limit, "Largest request body in bytes (larger: 413)")
        ->envname("SIMPLE_CHAT_BODY_LIMIT")
        ->capture_default_str();
    cmd.add_option("--header-timeout-ms", c.header_timeout_ms,
                   "Time allowed to send request headers")
        ->envname("SIMPLE_CHAT_HEADER_TIMEOUT_MS")
        ->capture_default_str();
    cmd.add_option("--body-timeout-ms", c.body_timeout_ms, "Time allowed to send a request body")
        ->envname("SIMPLE_CHAT_BODY_TIMEOUT_MS")
        ->capture_default_str();
    cmd.add_option("--idle-timeout-ms", c.idle_timeout_ms, "Keep-alive idle time before closing")
        ->envname("SIMPLE_CHAT_IDLE_TIMEOUT_MS")
        ->capture_default_str();
    cmd.add_option("--shutdown-grace-ms", c.shutdown_grace_ms,
                   "Time to finish in-flight work on SIGTERM")
        ->envname("SIMPLE_CHAT_SHUTDOWN_GRACE_MS")
        ->capture_default_str();
    cmd.add_flag("--access-log,!--no-access-log", c.access_log, "One log line per HTTP request")
        ->envname("SIMPLE_CHAT_ACCESS_LOG")
        ->capture_default_str();
    cmd.add_option("--trusted-proxy", c.trusted_proxies,
                   "Reverse proxy (address or CIDR, repeatable) whose X-Forwarded-For names the "
                   "client for per-address limits and the access log (default: trust nobody)")
        ->envname("SIMPLE_CHAT_TRUSTED_PROXIES")
        ->delimiter(',')
        ->check(trusted_proxy_spec);
    cmd.add_option("--max-upload", c.max_upload,
                   "Largest uploaded file in bytes (larger: 413); files are kept in "
                   "<data-dir>/files")
        ->envname("SIMPLE_CHAT_MAX_UPLOAD")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 32))
        ->capture_default_str();
}

void add_relay_options(CLI::App& cmd, chat::app::config& c) {
    cmd.add_option("--redis", c.redis_url,
                   "Redis URL redis://[[user]:password@]host[:port] for the relay bus (api and "
                   "gateway need it)")
        ->envname("SIMPLE_CHAT_REDIS");
    cmd.add_option("--relay-channel", c.relay_channel, "Redis pub/sub channel of relay events")
        ->envname("SIMPLE_CHAT_RELAY_CHANNEL")
        ->capture_default_str();
}

void add_gateway_options(CLI::App& cmd, chat::app::config& c) {
    cmd.add_option("--socketio-path", c.socketio_path, "Engine.IO / Socket.IO endpoint path")
        ->envname("SIMPLE_CHAT_SOCKETIO_PATH")
        ->capture_default_str();
    cmd.add_option("--ping-interval-ms", c.ping_interval_ms, "Engine.IO pingInterval")
        ->envname("SIMPLE_CHAT_PING_INTERVAL_MS")
        ->check(CLI::Range(50L, 600'000L))
        ->capture_default_str();
    cmd.add_option("--ping-timeout-ms", c.ping_timeout_ms, "Engine.IO pingTimeout")
        ->envname("SIMPLE_CHAT_PING_TIMEOUT_MS")
        ->check(CLI::Range(50L, 600'000L))
        ->capture_default_str();
    cmd.add_option("--max-payload", c.max_payload,
                   "Engine.IO maxPayload: largest polling body or WebSocket message")
        ->envname("SIMPLE_CHAT_MAX_PAYLOAD")
        ->check(CLI::Range(std::size_t{1024}, std::size_t{100'000'000}))
        ->capture_default_str();
    cmd.add_option("--cors-origin", c.cors_origins,
                   "Origin allowed to use long-polling from a browser (repeatable, * for any)")
        ->envname("SIMPLE_CHAT_CORS_ORIGINS")
        ->delimiter(',');
    cmd.add_option("--max-connections", c.max_connections, "Socket sessions in this process")
        ->envname("SIMPLE_CHAT_MAX_CONNECTIONS")
        ->capture_default_str();
    cmd.add_option("--max-connections-per-ip", c.max_connections_per_ip,
                   "Socket sessions per client address")
        ->envname("SIMPLE_CHAT_MAX_CONNECTIONS_PER_IP")
        ->capture_default_str();
    cmd.add_option("--send-queue-frames", c.send_queue_frames,
                   "Frames queued per socket before it is dropped")
        ->envname("SIMPLE_CHAT_SEND_QUEUE_FRAMES")
        ->check(CLI::Range(std::size_t{8}, std::size_t{1'000'000}))
        ->capture_default_str();
    cmd.add_option("--send-queue-bytes", c.send_queue_bytes,
                   "Bytes queued per socket before it is dropped")
        ->envname("SIMPLE_CHAT_SEND_QUEUE_BYTES")
        ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 30))
        ->capture_default_str();
}

// "N/<period>" (10/1m, 5/30s, 20/1h) or 0 for off.
const CLI::Validator rate_spec(
    [](std::string& text) -> std::string {
        return chat::core::parse_rate(text) ? std::string()
                                            : "expected N/<period> such as 10/1m, 5/30s, 20/1h, "
                                              "or 0 for no limit";
    },
    "N/PERIOD");

void add_api_limit_options(CLI::App& cmd, chat::app::config& c) {
    cmd.add_option("--login-rate-per-account", c.login_rate_per_account,
                   "Failed logins per account before POST /token answers 429")
        ->envname("SIMPLE_CHAT_LOGIN_RATE_PER_ACCOUNT")
        ->check(rate_spec)
        ->capture_default_str();
    cmd.add_option("--login-rate-per-ip", c.login_rate_per_ip, "Login attempts per client address")
        ->envname("SIMPLE_CHAT_LOGIN_RATE_PER_IP")
        ->check(rate_spec)
        ->capture_default_str();
    cmd.add_option("--signup-rate-per-ip", c.signup_rate_per_ip, "Sign-ups per client address")
        ->envname("SIMPLE_CHAT_SIGNUP_RATE_PER_IP")
        ->check(rate_spec)
        ->capture_default_str();
    cmd.add_option("--message-rate-per-user", c.message_rate_per_user, "Messages posted per user")
        ->envname("SIMPLE_CHAT_MESSAGE_RATE_PER_USER")
        ->check(rate_spec)
        ->capture_default_str();
}

void add_gateway_limit_options(CLI::App& cmd, chat::app::config& c) {
    cmd.add_option("--join-rate-per-socket", c.join_rate_per_socket,
                   "event.client joins per socket (beyond: refused; a socket that keeps "
                   "flooding is dropped)")
        ->envname("SIMPLE_CHAT_JOIN_RATE_PER_SOCKET")
        ->check(rate_spec)
        ->capture_default_str();
}

void add_admin_options(CLI::App& cmd, chat::app::config& c) {
    cmd.add_option("--admin-email", c.admin_emails,
                   "E-mail address whose user has the admin role (repeatable; also granted "
                   "with `user grant-admin`)")
        ->envname("SIMPLE_CHAT_ADMIN_EMAILS")
        ->delimiter(',');
}

void add_web_options(CLI::App& cmd, chat::app::config& c) {
    cmd.add_option(
           "--web-root", c.web_root,
           "Directory of the web client served at / (default: the build's web-root directory)")
        ->envname("SIMPLE_CHAT_WEB_ROOT");
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "simple-chat: a chat backend whose socket carries signals and whose REST API carries data"};
    app.require_subcommand(1);
    chat::app::config c;

    auto* serve = app.add_subcommand(
        "serve", "API and gateway in one process (SQLite, in-process bus by default)");
    auto* api =
        app.add_subcommand("api", "REST API only; publishes relay events to Redis (scale-out)");
    auto* gateway =
        app.add_subcommand("gateway", "Socket.IO gateway only; subscribes to Redis (scale-out)");
    for (auto* cmd : {serve, api, gateway}) {
        add_common_options(*cmd, c);
        add_server_options(*cmd, c);
        add_relay_options(*cmd, c);
    }
    add_gateway_options(*serve, c);
    add_gateway_options(*gateway, c);
    add_web_options(*serve, c);
    add_api_limit_options(*serve, c);
    add_api_limit_options(*api, c);
    add_gateway_limit_options(*serve, c);
    add_gateway_limit_options(*gateway, c);

    auto* migrate = app.add_subcommand("migrate", "Apply pending database migrations and exit");
    add_common_options(*migrate, c);

    add_admin_options(*serve, c);
    add_admin_options(*api, c);

    auto* user = app.add_subcommand("user", "Manage users in the database and exit");
    user->require_subcommand(1);
    std::string admin_email;
    auto* grant = user->add_subcommand("grant-admin", "Give the user the admin role");
    auto* revoke = user->add_subcommand("revoke-admin", "Take the admin role from the user");
    for (auto* cmd : {grant, revoke}) {
        cmd->add_option("email", admin_email, "The user's e-mail address")->required();
        add_common_options(*cmd, c);
    }

    CLI11_PARSE(app, argc, argv);
    try {
        if (serve->parsed()) return chat::app::run_role(chat::app::role::serve, c);
        if (api->parsed()) return chat::app::run_role(chat::app::role::api, c);
        if (gateway->parsed()) return chat::app::run_role(chat::app::role::gateway, c);
        if (migrate->parsed()) return chat::app::run_migrate(c);
        if (grant->parsed()) return chat::app::run_set_admin(c, admin_email, true);
        if (revoke->parsed()) return chat::app::run_set_admin(c, admin_email, false);
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
        return 1;
    }
    return 2;
}
