#pragma once
// The composition root: builds logger, store, bus, API and servers from a
// config, runs them until SIGINT/SIGTERM and shuts them down in order.

#include "app/config.hpp"

namespace chat::app {

/// Resolves defaults that depend on other settings (database URL, secret).
/// Creates the data directory. Throws std::runtime_error with a clear message.
void finalize(config& c);

/// `simple-chat serve`: returns the process exit code.
int run_serve(config c);

/// `simple-chat migrate`: applies pending migrations and exits.
int run_migrate(config c);

}  // namespace chat::app
