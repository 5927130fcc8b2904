#include "noctua/net/curl_mail.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include <curl/curl.h>
#include <boost/asio/post.hpp>

#include "noctua/net/curl_client.hpp"

#include "curl_handles.hpp"

namespace noctua::net {
namespace {

using detail::EasyHandle;
using detail::Slist;

struct Reader {
    const std::string* text;
    std::size_t offset = 0;
};

std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* r = static_cast<Reader*>(user);
    const std::size_t n = std::min(size * count, r->text->size() - r->offset);
    std::memcpy(buffer, r->text->data() + r->offset, n);
    r->offset += n;
    return n;
}

}  // namespace

core::MailResponse send_mail_blocking(const core::MailRequest& req) {
    core::MailResponse out;
    EasyHandle easy(curl_easy_init());
    if (!easy) {
        out.error = core::TransportError::other;
        out.error_message = "curl_easy_init failed";
        return out;
    }
    CURL* h = easy.get();
    Slist rcpt;
    for (const auto& to : req.to) {
        curl_slist* next = curl_slist_append(rcpt.get(), ("<" + to + ">").c_str());
        if (next == nullptr) {
            out.error = core::TransportError::other;
            out.error_message = "out of memory";
            return out;
        }
        (void)rcpt.release();
        rcpt.reset(next);
    }
    const std::string from = "<" + req.from + ">";
    Reader reader{&req.message};
    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(req.timeout.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(req.timeout.count()));
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(h, CURLOPT_READDATA, &reader);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.message.size()));
    curl_easy_setopt(
        h, CURLOPT_USE_SSL,
        req.require_tls ? static_cast<long>(CURLUSESSL_ALL) : static_cast<long>(CURLUSESSL_NONE));
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!req.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, req.ca_file.c_str());
    if (!req.username.empty()) {
        curl_easy_setopt(h, CURLOPT_USERNAME, req.username.c_str());
        curl_easy_setopt(h, CURLOPT_PASSWORD, req.password.c_str());
    }
    const CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    out.smtp_code = static_cast<int>(code);
    if (rc != CURLE_OK) {
        out.error = to_transport_error(std::error_code(static_cast<int>(rc), curl_category()));
        out.login_denied = rc == CURLE_LOGIN_DENIED;
        out.error_message = curl_easy_strerror(rc);
    }
    return out;
}

CurlMailClient::CurlMailClient(boost::asio::io_context& ioc)
    : ioc_(ioc), pool_(std::make_unique<boost::asio::thread_pool>(1)) {}

CurlMailClient::~CurlMailClient() {
    pool_->stop();
    pool_->join();
}

void CurlMailClient::async_send(core::MailRequest request, Handler handler) {
    boost::asio::post(
        *pool_, [this, request = std::move(request), handler = std::move(handler)]() mutable {
            auto response = send_mail_blocking(request);
            boost::asio::post(
                ioc_, [handler = std::move(handler), response = std::move(response)]() mutable {
                    handler(std::move(response));
                });
        });
}

}  // namespace noctua::net
