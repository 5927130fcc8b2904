#include "noctua/core/hmac.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <string>

namespace {

std::string hex(const std::string& bytes) {
    std::string out;
    for (const unsigned char c : bytes) out += fmt::format("{:02x}", c);
    return out;
}

}  // namespace

TEST_CASE("hmac_sha256: RFC 4231 test case 2", "[core][unit]") {
    CHECK(hex(noctua::core::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("webhook_signature: base64 HMAC-SHA256 of id.timestamp.body", "[core][unit]") {
    // Python: base64.b64encode(hmac.new(b"whsec-key", b'msg_1.1700000000.{"a":1}',
    //                                     hashlib.sha256).digest())
    CHECK(noctua::core::webhook_signature("whsec-key", "msg_1", "1700000000", R"({"a":1})") ==
          "akVnyN5Za7Zl5vWyhR5mdvlkGnAtZ8VVdqTnk7/OPL0=");
    CHECK(noctua::core::webhook_signature("other-key", "msg_1", "1700000000", R"({"a":1})") !=
          "akVnyN5Za7Zl5vWyhR5mdvlkGnAtZ8VVdqTnk7/OPL0=");
}
