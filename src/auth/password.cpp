#include "auth/password.hpp"

#include <sodium.h>

#include <array>
#include <new>

namespace chat::auth {

std::string hash_password(std::string_view password) {
    std::array<char, crypto_pwhash_STRBYTES> out{};
    if (crypto_pwhash_str(out.data(), password.data(), password.size(),
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        // libsodium's only failure here is not getting the 64 MiB work area.
        throw std::bad_alloc();
    }
    return std::string(out.data());
}

bool verify_password(std::string_view password, const std::string& encoded_hash) {
    // libsodium reads a C string: an embedded NUL would let it check only a
    // prefix of what the store holds, and an over-long value is not ours.
    if (encoded_hash.empty() || encoded_hash.size() >= crypto_pwhash_STRBYTES ||
        encoded_hash.find('\0') != std::string::npos) {
        return false;
    }
    return crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace chat::auth
