#include "core/random.hpp"
#include "store/detail/sqlite.hpp"
#include "store/store.hpp"

#include <stdexcept>
#include <string_view>

namespace chat::store {

std::unique_ptr<store> open(const std::string& database_url, std::size_t pool_size) {
    // The store generates ids; make sure the generator is ready whoever
    // opens it (idempotent).
    core::init_crypto();
    const std::string_view url = database_url;
    for (const std::string_view prefix : {"sqlite://", "sqlite:"}) {
        if (url.starts_with(prefix)) {
            return detail::open_sqlite(std::string(url.substr(prefix.size())), pool_size);
        }
    }
    throw std::invalid_argument("store: unsupported database URL (expected sqlite:<path>)");
}

}  // namespace chat::store
