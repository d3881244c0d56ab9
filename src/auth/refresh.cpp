#include "auth/refresh.hpp"

#include "core/random.hpp"

namespace chat::auth {

refresh_secret make_refresh_secret() {
    refresh_secret s;
    s.token = core::base64url_encode(core::random_bytes(32));
    s.hash = hash_refresh_secret(s.token);
    return s;
}

std::string hash_refresh_secret(std::string_view token) {
    return core::sha256_hex(token);
}

}  // namespace chat::auth
