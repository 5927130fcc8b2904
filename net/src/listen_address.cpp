// `server.listen`'s "host:port" and "[v6]:port" forms, read before anything binds.
#include <charconv>
#include <string>

#include "noctua/net/http_server.hpp"

namespace noctua::net {

core::Result<std::pair<std::string, std::uint16_t>> parse_listen_address(std::string_view listen) {
    using core::Errc;
    const std::string quoted = "listen address '" + std::string(listen) + "'";
    std::string_view host;
    std::string_view port_text;
    if (!listen.empty() && listen.front() == '[') {
        auto close = listen.find(']');
        if (close == std::string_view::npos) {
            return core::fail(Errc::invalid_argument, quoted + ": missing ']' after IPv6 host");
        }
        host = listen.substr(1, close - 1);
        auto rest = listen.substr(close + 1);
        if (rest.empty() || rest.front() != ':') {
            return core::fail(Errc::invalid_argument, quoted + ": expected ':port' after ']'");
        }
        port_text = rest.substr(1);
    } else {
        auto colon = listen.rfind(':');
        if (colon == std::string_view::npos) {
            return core::fail(Errc::invalid_argument, quoted + ": expected host:port");
        }
        host = listen.substr(0, colon);
        if (host.find(':') != std::string_view::npos) {
            return core::fail(Errc::invalid_argument,
                              quoted + ": IPv6 addresses need brackets, e.g. [::1]:9090");
        }
        port_text = listen.substr(colon + 1);
    }
    if (host.empty()) return core::fail(Errc::invalid_argument, quoted + ": empty host");
    if (port_text.empty()) return core::fail(Errc::invalid_argument, quoted + ": missing port");
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size()) {
        return core::fail(Errc::invalid_argument, quoted + ": port is not a number");
    }
    if (port > 65535) {
        return core::fail(Errc::invalid_argument, quoted + ": port is larger than 65535");
    }
    return std::pair{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace noctua::net
