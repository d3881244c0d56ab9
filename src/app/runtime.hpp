#pragma once
// The composition root: builds logger, store, bus, API and servers from a
// config, runs them until SIGINT/SIGTERM and shuts them down in order.

#include "app/config.hpp"

#include <string>

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

/// `simple-chat user grant-admin|revoke-admin <email>`: sets the admin role
/// of an existing user in the database; 1 with a message when there is none.
int run_set_admin(config c, const std::string& email, bool admin);

}  // namespace chat::app
