#include "noctua/core/hmac.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "noctua/core/assert.hpp"
#include "noctua/core/base64.hpp"

namespace noctua::core {

std::string hmac_sha256(std::string_view key, std::string_view data) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    // HMAC fails only on a broken digest or an allocation failure inside OpenSSL.
    NOCTUA_CHECK(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                      reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
                      &len) != nullptr);
    return {reinterpret_cast<const char*>(mac), len};
}

std::string webhook_signature(std::string_view key, std::string_view id,
                              std::string_view timestamp, std::string_view body) {
    std::string message;
    message.reserve(id.size() + timestamp.size() + body.size() + 2);
    message.append(id).append(".").append(timestamp).append(".").append(body);
    return base64_encode(hmac_sha256(key, message));
}

}  // namespace noctua::core
