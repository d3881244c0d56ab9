#pragma once
// The whole configuration as one plain struct, filled from flags and their
// SIMPLE_CHAT_* environment twins by the command line parser.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace chat::app {

struct config {
    std::string listen = "127.0.0.1:8080";
    std::string data_dir = "./data";
    std::string database;    // default: sqlite:<data_dir>/chat.db
    std::string jwt_secret;  // default: generated into <data_dir>/jwt-secret (0600)
    long access_token_ttl_s = 15 * 60;
    long refresh_token_ttl_s = 30L * 24 * 3600;
    unsigned threads = 0;  // 0: one per core
    unsigned db_pool = 4;
    std::size_t body_limit = 1024 * 1024;
    long header_timeout_ms = 10'000;
    long body_timeout_ms = 30'000;
    long idle_timeout_ms = 60'000;
    long shutdown_grace_ms = 10'000;
    bool access_log = true;
    // Scale-out (SPEC §1): Redis pub/sub between api and gateway nodes.
    std::string redis_url;  // empty: in-process bus (serve only)
    std::string relay_channel = "relay";
    // Gateway (SPEC §2).
    std::string socketio_path = "/socket.io/";
    long ping_interval_ms = 25'000;
    long ping_timeout_ms = 20'000;
    std::size_t max_payload = 1'000'000;
    std::vector<std::string> cors_origins;
    std::size_t max_connections = 200'000;
    std::size_t max_connections_per_ip = 100'000;
    std::size_t send_queue_frames = 1024;
    std::size_t send_queue_bytes = 4 * 1024 * 1024;
    std::string log_level = "info";
    // E-mail addresses whose users have the admin role (notifications), besides
    // those granted it with `simple-chat user grant-admin`.
    std::vector<std::string> admin_emails;
    // Files (issue 5): bytes under <data_dir>/files, one upload at most this large.
    std::size_t max_upload = 25 * 1024 * 1024;
    // Web client (serve only): empty means the build's web-root directory.
    std::string web_root;
    // Abuse limits, "N/<period>" or "0" for off (core::parse_rate).
    std::string login_rate_per_account = "10/15m";  // failed logins per e-mail
    std::string login_rate_per_ip = "60/1m";
    std::string signup_rate_per_ip = "20/1h";
    std::string message_rate_per_user = "120/1m";
    std::string join_rate_per_socket = "1200/1m";  // event.client joins (gateway)
    // Reverse proxies (address or CIDR) whose X-Forwarded-For names the client.
    std::vector<std::string> trusted_proxies;
};

}  // namespace chat::app
