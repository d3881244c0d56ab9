#pragma once
// The SQLite dialect: connection set-up and error classification.

#include "store/store.hpp"

#include <cstddef>
#include <memory>
#include <string>

namespace chat::store::detail {

/// How long a connection waits for another one's write lock before the call
/// fails with `unavailable`.
inline constexpr int sqlite_busy_timeout_ms = 5000;

/// Opens `pool_size` connections to the database file at `path` (created if
/// missing; its directory must exist). Throws unavailable when it cannot.
std::unique_ptr<store> open_sqlite(const std::string& path, std::size_t pool_size);

}  // namespace chat::store::detail
