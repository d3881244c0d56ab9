#pragma once
// The database servers: MariaDB and PostgreSQL dialects, and what opening
// either takes.

#include "store/detail/dialect.hpp"
#include "store/detail/server_url.hpp"
#include "store/store.hpp"

#include <cstddef>
#include <memory>
#include <string_view>

namespace chat::store::detail {

/// Open `pool_size` connections to the server named by `url` (MariaDB for
/// the schemes mariadb and mysql, PostgreSQL for postgresql and postgres).
/// Throw unavailable when a connection cannot be made; the message names the
/// URL without its password.
std::unique_ptr<store> open_mariadb(const server_url& url, std::size_t pool_size);
std::unique_ptr<store> open_postgresql(const server_url& url, std::size_t pool_size);

/// What a MariaDB error number means for the store (exposed for tests).
error_kind classify_mariadb_error(unsigned code);
/// What a PostgreSQL SQLSTATE means for the store (exposed for tests).
error_kind classify_postgresql_error(std::string_view sqlstate);

}  // namespace chat::store::detail
