#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "noctua/core/mail.hpp"

namespace noctua::net {

/// core::MailClient on libcurl's SMTP support. A transfer blocks (curl_easy_perform), so it
/// runs on the client's own thread, one mail at a time, never on the io_context; the handler
/// is posted to the io_context.
///
/// Lifetime: the destructor waits for the mail in progress (bounded by its timeout) and drops
/// the queued ones without calling their handlers; destroy it before the io_context.
/// Thread-safety: async_send() may be called from any thread.
class CurlMailClient final : public core::MailClient {
public:
    explicit CurlMailClient(boost::asio::io_context& ioc);
    ~CurlMailClient() override;
    CurlMailClient(const CurlMailClient&) = delete;
    CurlMailClient& operator=(const CurlMailClient&) = delete;

    // core::MailClient
    void async_send(core::MailRequest request, Handler handler) override;

private:
    boost::asio::io_context& ioc_;
    std::unique_ptr<boost::asio::thread_pool> pool_;
};

/// Sends one mail, blocking (the client's thread and tests).
[[nodiscard]] core::MailResponse send_mail_blocking(const core::MailRequest& request);

}  // namespace noctua::net
