#pragma once
// The composition root: builds logger, store, bus, API and servers from a
// config, runs them until SIGINT/SIGTERM and shuts them down in order.

#include "app/config.hpp"

namespace chat::app {

/// Resolves defaults that depend on other settings (database URL, secret).
/// Creates the data directory. Throws std::runtime_error with a clear message.
void finalize(config& c);

enum class role {
    serve,    // API + gateway in one process (in-process bus unless --redis)
    api,      // REST only; publishes relay events to Redis
    gateway,  // Socket.IO only; subscribes to Redis
};
const char* to_string(role r) noexcept;

/// Runs one role until SIGINT/SIGTERM; returns the process exit code.
int run_role(role r, config c);

/// `simple-chat migrate`: applies pending migrations and exits.
int run_migrate(config c);

}  // namespace chat::app
