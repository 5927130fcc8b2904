#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "noctua/core/http.hpp"

namespace noctua::core {

/// One e-mail to send over SMTP.
struct MailRequest {
    std::string url;   ///< `smtp://host:port` (STARTTLS per require_tls) or `smtps://host:port`
    std::string from;  ///< envelope sender (MAIL FROM), a bare address
    std::vector<std::string> to;  ///< envelope recipients (RCPT TO), bare addresses
    std::string username;         ///< empty: no AUTH
    std::string password;
    bool require_tls = true;  ///< smtp://: STARTTLS before anything else, or fail
    std::string ca_file;      ///< PEM bundle to verify the server with; empty: system
    std::chrono::milliseconds timeout{30'000};
    std::string message;  ///< the complete RFC 5322 message, CRLF line ends
};

/// What became of it: a transport error, or the server's last reply code.
struct MailResponse {
    TransportError error = TransportError::none;
    std::string error_message;  ///< detail for logs; never holds the password
    int smtp_code = 0;          ///< the last SMTP reply code (250 when accepted)
    bool login_denied = false;  ///< the server refused AUTH
    [[nodiscard]] bool ok() const { return error == TransportError::none; }
};

/// Asynchronous SMTP client. Channels reach mail servers only through this.
class MailClient {
public:
    using Handler = std::function<void(MailResponse)>;
    virtual ~MailClient() = default;
    /// Sends `request`; `handler` runs exactly once, never inline, on a thread running the
    /// client's io_context.
    virtual void async_send(MailRequest request, Handler handler) = 0;
};

}  // namespace noctua::core
