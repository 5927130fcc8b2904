// libcurl's multi interface driven by Asio. Longer than 600 lines: it is one Impl whose socket,
// timer and completion callbacks share its private state (transfers, sockets, the handle
// pool); split across files, that state would move into a header for no reader's benefit.
#include "noctua/net/curl_client.hpp"

#include <atomic>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <ctime>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "noctua/core/assert.hpp"
#include "noctua/core/tls_verify.hpp"
#include "noctua/core/version.hpp"

#include "curl_handles.hpp"

namespace noctua::net {
namespace {

namespace asio = boost::asio;
using Strand = asio::strand<asio::io_context::executor_type>;
using core::TransportError;

using detail::EasyHandle;
using detail::MultiHandle;
using detail::Slist;

class CurlCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "curl"; }
    std::string message(int code) const override {
        return curl_easy_strerror(static_cast<CURLcode>(code));
    }
};

// Receive buffer per transfer (CURLOPT_BUFFERSIZE; curl's default is 16 KiB).
constexpr long kReceiveBufferBytes = 4096;
// Reset easy handles kept for reuse; more than this in flight at once are created and freed.
constexpr std::size_t kMaxIdleHandles = 64;
// Idle connections kept for reuse (CURLMOPT_MAXCONNECTS): the most a receiver has in flight
// (the alert dispatcher's 64) four times over.
constexpr long kMaxCachedConnections = 256;

double to_seconds(curl_off_t microseconds) { return static_cast<double>(microseconds) / 1e6; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                          s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

// "Nov 22 16:00:00 2027 GMT" (OpenSSL's ASN1_TIME_print) as Unix seconds; 0 when malformed.
std::int64_t parse_cert_time(const std::string& text) {
    std::tm tm{};
    const char* end = ::strptime(text.c_str(), "%b %d %H:%M:%S %Y", &tm);
    if (end == nullptr) return 0;
    return static_cast<std::int64_t>(::timegm(&tm));
}

// The leaf certificate's expiry, issuer and subject from CURLOPT_CERTINFO, when present.
void read_certificate(CURL* easy, core::HttpResponse& response) {
    curl_certinfo* info = nullptr;
    if (curl_easy_getinfo(easy, CURLINFO_CERTINFO, &info) != CURLE_OK || info == nullptr ||
        info->num_of_certs < 1) {
        return;
    }
    core::TlsCertificate cert;
    for (curl_slist* field = info->certinfo[0]; field != nullptr; field = field->next) {
        const std::string_view line(field->data);
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        const auto name = line.substr(0, colon);
        const std::string value(line.substr(colon + 1));
        if (name == "Expire date") cert.not_after = parse_cert_time(value);
        else if (name == "Issuer") cert.issuer = value;
        else if (name == "Subject") cert.subject = value;
    }
    if (cert.not_after != 0) response.certificate = std::move(cert);
}

// One request: the easy handle and everything curl points into while the transfer runs.
struct Transfer {
    Slist headers;
    std::string request_body;  // CURLOPT_POSTFIELDS does not copy
    std::string url;
    core::HttpClient::Handler handler;
    core::HttpResponse response;
    std::size_t max_body = 0;
    bool too_large = false;
    bool want_certificate = false;
    // Seen by the verify callback during the handshake, so that a certificate that fails
    // verification (and leaves CURLINFO_CERTINFO empty) is still reported, with what failed.
    std::optional<core::TlsCertificate> presented;
    long verify_error = X509_V_OK;  // the first failure OpenSSL reported
    // Last, so it is cleaned up first: curl points into the members above until then.
    EasyHandle easy;
};

// The SSL_CTX slot that points a handshake's verify callback at its Transfer (curl makes an
// SSL_CTX per connection, and calls on_ssl_ctx for each).
int transfer_slot() {
    static const int slot = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return slot;
}

// As curl's CERTINFO prints names.
std::string name_text(X509_NAME* name) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio == nullptr) return {};
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_ONELINE);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(std::max(0L, len)));
    BIO_free(bio);
    return out;
}

// Records the leaf certificate and the first verification failure, and changes no verdict.
int on_verify(int preverify_ok, X509_STORE_CTX* store) {
    auto* ssl = static_cast<SSL*>(
        X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    if (ssl == nullptr) return preverify_ok;
    auto* t = static_cast<Transfer*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), transfer_slot()));
    if (t == nullptr) return preverify_ok;
    if (!t->presented) {
        if (X509* leaf = X509_STORE_CTX_get0_cert(store)) {
            core::TlsCertificate cert;
            std::tm tm{};
            if (ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm) == 1) {
                cert.not_after = static_cast<std::int64_t>(::timegm(&tm));
            }
            cert.issuer = name_text(X509_get_issuer_name(leaf));
            cert.subject = name_text(X509_get_subject_name(leaf));
            t->presented = std::move(cert);
        }
    }
    if (preverify_ok == 0 && t->verify_error == X509_V_OK) {
        t->verify_error = X509_STORE_CTX_get_error(store);
    }
    return preverify_ok;
}

// CURLOPT_SSL_CTX_FUNCTION: curl has set the verify mode; keep it, add the callback.
CURLcode on_ssl_ctx(CURL*, void* ctx, void* transfer) {
    auto* ssl_ctx = static_cast<SSL_CTX*>(ctx);
    SSL_CTX_set_ex_data(ssl_ctx, transfer_slot(), transfer);
    SSL_CTX_set_verify(ssl_ctx, SSL_CTX_get_verify_mode(ssl_ctx), &on_verify);
    return CURLE_OK;
}

// A descriptor curl waits on, registered with Asio's reactor.
//
// `owned`: created in CURLOPT_OPENSOCKETFUNCTION; we close it when curl asks through
// CURLOPT_CLOSESOCKETFUNCTION, and curl never closes it itself. Otherwise the descriptor is a
// dup() of a socket curl made on its own (the threaded resolver's socketpair), closed by us on
// CURL_POLL_REMOVE; curl closes its original, so each number is closed exactly once and the
// reactor never sees a number that curl may already have reused.
struct Socket {
    Socket(const Strand& strand, curl_socket_t curl_fd, int fd, bool is_owned)
        : descriptor(strand, fd), curl_socket(curl_fd), owned(is_owned) {}
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    void close() {
        closed = true;
        boost::system::error_code ignored;
        descriptor.close(ignored);
    }

    asio::posix::stream_descriptor descriptor;
    const curl_socket_t curl_socket;
    const bool owned;
    int want = CURL_POLL_NONE;  // what curl asked for last
    bool read_pending = false;
    bool write_pending = false;
    bool closed = false;
};

}  // namespace

const std::error_category& curl_category() noexcept {
    static const CurlCategory category;
    return category;
}

TransportError to_transport_error(std::error_code ec) noexcept {
    if (!ec) return TransportError::none;
    if (ec.category() != curl_category()) return TransportError::other;
    switch (static_cast<CURLcode>(ec.value())) {
        case CURLE_OK: return TransportError::none;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY: return TransportError::dns;
        case CURLE_COULDNT_CONNECT: return TransportError::connect;
        case CURLE_OPERATION_TIMEDOUT: return TransportError::timeout;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_SHUTDOWN_FAILED:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
        case CURLE_SSL_CLIENTCERT:
        case CURLE_USE_SSL_FAILED: return TransportError::tls;
        case CURLE_TOO_MANY_REDIRECTS: return TransportError::redirect;
        case CURLE_SEND_ERROR: return TransportError::send;
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
        case CURLE_WEIRD_SERVER_REPLY: return TransportError::receive;
        case CURLE_FILESIZE_EXCEEDED: return TransportError::too_large;
        default: return TransportError::other;
    }
}

// ---------------------------------------------------------------------------------------------
// CurlGlobal

CurlGlobal::CurlGlobal() {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        throw std::runtime_error("curl_global_init failed");
    }
}

CurlGlobal::~CurlGlobal() { curl_global_cleanup(); }

// ---------------------------------------------------------------------------------------------
// CurlHttpClient::Impl
//
// Executor: strand_. The multi handle, every easy handle, the sockets and the timer are touched
// only there; curl's callbacks run inside curl_multi_* calls made there (or in the destructor,
// when nothing else can run). Only in_flight_ is read from other threads.

struct CurlHttpClient::Impl : std::enable_shared_from_this<CurlHttpClient::Impl> {
    explicit Impl(asio::io_context& io);
    ~Impl();
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;

    void start(core::HttpRequest request, Handler handler);
    void do_stop();

    // libcurl callbacks; `userp` is the Impl (or the Transfer for write and header).
    static int on_socket(CURL* easy, curl_socket_t s, int what, void* userp, void* socketp);
    static int on_timer(CURLM* multi, long timeout_ms, void* userp);
    static curl_socket_t on_open_socket(void* clientp, curlsocktype purpose,
                                        curl_sockaddr* address);
    static int on_close_socket(void* clientp, curl_socket_t s);
    static std::size_t on_write(char* data, std::size_t size, std::size_t count, void* userp);
    static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* userp);

    CURLcode configure(Transfer& t, core::HttpRequest& request);  // moves url and body
    void update_waits(const std::shared_ptr<Socket>& socket);
    void start_wait(const std::shared_ptr<Socket>& socket,
                    asio::posix::descriptor_base::wait_type w);
    void on_ready(const std::shared_ptr<Socket>& socket, asio::posix::descriptor_base::wait_type w,
                  boost::system::error_code ec);
    void on_timeout();
    void check_multi_info();
    void finish(CURL* easy, CURLcode result);
    void fail(Transfer& t, TransportError error, std::string message);
    void complete(Handler handler, core::HttpResponse response);
    void close_all_sockets();

    asio::io_context& ioc_;
    const Strand strand_;
    asio::steady_timer timer_;
    std::map<curl_socket_t, std::shared_ptr<Socket>> sockets_;
    std::map<CURL*, std::unique_ptr<Transfer>> transfers_;
    // Easy handles of finished transfers, reset and ready for the next (bounded): curl_easy_init
    // and its buffers cost more than the request itself at thousands of probes a second.
    std::vector<EasyHandle> idle_;
    MultiHandle multi_;
    std::atomic<std::size_t> in_flight_{0};
    bool stopped_ = false;
    bool destroying_ = false;
    bool timeout_posted_ = false;  // an on_timeout() for a zero timeout is queued
};

CurlHttpClient::Impl::Impl(asio::io_context& io)
    : ioc_(io), strand_(asio::make_strand(io)), timer_(strand_), multi_(curl_multi_init()) {
    if (!multi_) throw std::runtime_error("curl_multi_init failed");
    curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETFUNCTION, &Impl::on_socket);
    curl_multi_setopt(multi_.get(), CURLMOPT_SOCKETDATA, static_cast<void*>(this));
    curl_multi_setopt(multi_.get(), CURLMOPT_TIMERFUNCTION, &Impl::on_timer);
    curl_multi_setopt(multi_.get(), CURLMOPT_TIMERDATA, static_cast<void*>(this));
    // Curl's default cache holds 4 idle connections per transfer running now: when a burst of
    // requests to one service ebbs to a few, the connections it opened are closed, and the next
    // burst connects again. A fixed cache keeps a burst's connections for the next one.
    curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS, kMaxCachedConnections);
}

CurlHttpClient::Impl::~Impl() {
    // Nothing else runs now: the last owner was a handler on the strand or the io_context is
    // being destroyed. Handlers of requests still here are dropped without being called.
    destroying_ = true;
    if (multi_) {
        for (auto& [easy, transfer] : transfers_) curl_multi_remove_handle(multi_.get(), easy);
    }
    transfers_.clear();
    idle_.clear();
    // Closes cached connections through on_close_socket, so sockets_ must still be alive.
    multi_.reset();
    close_all_sockets();
}

void CurlHttpClient::Impl::close_all_sockets() {
    for (auto& [fd, socket] : sockets_) socket->close();
    sockets_.clear();
}

void CurlHttpClient::Impl::start(core::HttpRequest request, Handler handler) {
    NOCTUA_ASSERT(strand_.running_in_this_thread());
    auto transfer = std::make_unique<Transfer>();
    transfer->handler = std::move(handler);
    if (stopped_) {
        fail(*transfer, TransportError::cancelled, "client stopped");
        return;
    }
    if (!idle_.empty()) {
        transfer->easy = std::move(idle_.back());
        idle_.pop_back();
    } else {
        transfer->easy.reset(curl_easy_init());
    }
    if (!transfer->easy) {
        fail(*transfer, TransportError::other, "curl_easy_init failed");
        return;
    }
    if (auto rc = configure(*transfer, request); rc != CURLE_OK) {
        fail(*transfer, TransportError::other,
             std::string("cannot configure request: ") + curl_easy_strerror(rc));
        return;
    }
    CURL* easy = transfer->easy.get();
    auto [it, inserted] = transfers_.emplace(easy, std::move(transfer));
    NOCTUA_ASSERT(inserted);
    // Calls on_timer, which only arms the timer: the transfer starts on a later turn.
    if (auto mc = curl_multi_add_handle(multi_.get(), easy); mc != CURLM_OK) {
        auto failed = std::move(it->second);
        transfers_.erase(it);
        fail(*failed, TransportError::other,
             std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc));
    }
}

CURLcode CurlHttpClient::Impl::configure(Transfer& t, core::HttpRequest& request) {
    CURL* h = t.easy.get();
    CURLcode rc = CURLE_OK;
    auto set = [&](CURLoption option, auto value) {
        if (rc == CURLE_OK) rc = curl_easy_setopt(h, option, value);
    };
    using std::chrono::milliseconds;
    // Zero means "no timeout" to curl; a request always has one.
    const auto timeout = std::max(request.timeout, milliseconds{1});
    const auto connect_timeout = request.connect_timeout > milliseconds{0}
                                     ? std::min(request.connect_timeout, timeout)
                                     : timeout;
    t.max_body = request.max_response_bytes;
    t.url = std::move(request.url);

    // curl's default receive buffer is 16 KiB per transfer; API answers are small, and a large
    // body only costs more write callbacks.
    set(CURLOPT_BUFFERSIZE, kReceiveBufferBytes);
    set(CURLOPT_URL, t.url.c_str());
    set(CURLOPT_NOSIGNAL, 1L);
    // The bit masks rather than CURLOPT_PROTOCOLS_STR: curl parses those strings against every
    // scheme it knows, for each request (a quarter of the instructions of configuring one). The
    // masks are deprecated in name only: curl keeps every option it ever had.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    set(CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    set(CURLOPT_REDIR_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#pragma GCC diagnostic pop
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
    set(CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
    set(CURLOPT_MAXREDIRS, static_cast<long>(request.max_redirects));
    set(CURLOPT_SSL_VERIFYPEER, request.verify_tls ? 1L : 0L);
    set(CURLOPT_SSL_VERIFYHOST, request.verify_tls ? 2L : 0L);
    if (!request.ca_file.empty()) set(CURLOPT_CAINFO, request.ca_file.c_str());
    if (!request.client_cert_file.empty()) {
        set(CURLOPT_SSLCERT, request.client_cert_file.c_str());
        set(CURLOPT_SSLKEY, (request.client_key_file.empty() ? request.client_cert_file
                                                             : request.client_key_file)
                                .c_str());
    }
    set(CURLOPT_IPRESOLVE, request.ip_version == 4   ? CURL_IPRESOLVE_V4
                           : request.ip_version == 6 ? CURL_IPRESOLVE_V6
                                                     : CURL_IPRESOLVE_WHATEVER);
    if (!request.proxy.empty()) set(CURLOPT_PROXY, request.proxy.c_str());
    if (request.fresh_connection) {
        set(CURLOPT_FRESH_CONNECT, 1L);
        set(CURLOPT_FORBID_REUSE, 1L);
        // A pooled handle must not resume an earlier TLS session: a fresh connection means a
        // full handshake, with the certificate chain (CURLOPT_CERTINFO) every time.
        set(CURLOPT_SSL_SESSIONID_CACHE, 0L);
    }
    if (request.want_certificate) set(CURLOPT_CERTINFO, 1L);
    t.want_certificate = request.want_certificate;
    set(CURLOPT_SSL_CTX_FUNCTION, &on_ssl_ctx);
    set(CURLOPT_SSL_CTX_DATA, static_cast<void*>(&t));
    // Announced sizes are refused before any byte is read; the write callback covers the rest.
    set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_response_bytes));
    set(CURLOPT_WRITEFUNCTION, &Impl::on_write);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&t));
    set(CURLOPT_HEADERFUNCTION, &Impl::on_header);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&t));
    // Asio owns every socket: curl asks us to open and close them.
    set(CURLOPT_OPENSOCKETFUNCTION, &Impl::on_open_socket);
    set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(this));
    set(CURLOPT_CLOSESOCKETFUNCTION, &Impl::on_close_socket);
    set(CURLOPT_CLOSESOCKETDATA, static_cast<void*>(this));
    // A User-Agent header of the request's own replaces curl's, which curl would otherwise
    // format for every request only to drop it.
    if (!core::find_header(request.headers, "User-Agent")) {
        static const std::string user_agent = "noctua/" + std::string(core::version());
        set(CURLOPT_USERAGENT, user_agent.c_str());
    }

    const auto& method = request.method;
    bool sends_body = false;
    if (method.empty() || method == "GET") {
        set(CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
        set(CURLOPT_NOBODY, 1L);
    } else {
        if (method == "POST") {
            set(CURLOPT_POST, 1L);
        } else {
            set(CURLOPT_CUSTOMREQUEST, method.c_str());
        }
        sends_body = method == "POST" || method == "PUT" || method == "PATCH" ||
                     !request.body.empty();
        if (sends_body) {
            t.request_body = std::move(request.body);
            set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t.request_body.size()));
            set(CURLOPT_POSTFIELDS, t.request_body.c_str());
        }
    }

    auto append = [&](const std::string& line) {
        if (rc != CURLE_OK) return;
        // Returns the head of the list: a new one on the first call, the same one afterwards.
        curl_slist* head = curl_slist_append(t.headers.get(), line.c_str());
        if (head == nullptr) {
            rc = CURLE_OUT_OF_MEMORY;
        } else if (!t.headers) {
            t.headers.reset(head);
        }
    };
    for (const auto& [name, value] : request.headers) {
        // "Name;" is curl's way to send a header with an empty value.
        append(value.empty() ? name + ";" : name + ": " + value);
    }
    if (sends_body && !core::find_header(request.headers, "Expect")) {
        // No "Expect: 100-continue" round trip: it costs a second per request on servers
        // that ignore it.
        append("Expect:");
    }
    if (t.headers) set(CURLOPT_HTTPHEADER, t.headers.get());
    return rc;
}

// ---------------------------------------------------------------------------------------------
// Socket and timer plumbing (curl's asiohiper.cpp mechanism)

curl_socket_t CurlHttpClient::Impl::on_open_socket(void* clientp, curlsocktype purpose,
                                                   curl_sockaddr* address) {
    auto& self = *static_cast<Impl*>(clientp);
    if (purpose != CURLSOCKTYPE_IPCXN || self.destroying_) return CURL_SOCKET_BAD;
    int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (fd < 0) return CURL_SOCKET_BAD;

    // An entry with this number is stale: curl closed that socket itself (the resolver's
    // socketpair) and the kernel has reused the number. Curl will treat the new socket as the
    // old one, so it inherits what curl asked for.
    int want = CURL_POLL_NONE;
    if (auto it = self.sockets_.find(fd); it != self.sockets_.end()) {
        want = it->second->want;
        it->second->close();
        self.sockets_.erase(it);
    }
    try {
        auto socket = std::make_shared<Socket>(self.strand_, fd, fd, true);
        socket->want = want;
        self.sockets_.emplace(fd, socket);
        self.update_waits(socket);
    } catch (...) {
        ::close(fd);
        return CURL_SOCKET_BAD;
    }
    return fd;
}

int CurlHttpClient::Impl::on_close_socket(void* clientp, curl_socket_t s) {
    auto& self = *static_cast<Impl*>(clientp);
    auto it = self.sockets_.find(s);
    if (it == self.sockets_.end() || !it->second->owned) {
        // Not one we opened: cannot happen, since curl only closes what on_open_socket gave it.
        return ::close(s);
    }
    auto socket = std::move(it->second);
    self.sockets_.erase(it);
    socket->close();
    return 0;
}

int CurlHttpClient::Impl::on_socket(CURL* /*easy*/, curl_socket_t s, int what, void* userp,
                                    void* /*socketp*/) {
    auto& self = *static_cast<Impl*>(userp);
    auto it = self.sockets_.find(s);
    if (what == CURL_POLL_REMOVE) {
        if (it == self.sockets_.end()) return 0;
        auto socket = it->second;
        socket->want = CURL_POLL_NONE;
        if (socket->owned) {
            // Curl may still use it (connection cache); it closes it through on_close_socket.
            boost::system::error_code ignored;
            socket->descriptor.cancel(ignored);
        } else {
            self.sockets_.erase(it);
            socket->close();
        }
        return 0;
    }
    std::shared_ptr<Socket> socket;
    if (it != self.sockets_.end()) {
        socket = it->second;
    } else {
        // A socket curl made without on_open_socket: watch a duplicate so that closing is
        // ours to do and curl's close of the original cannot confuse the reactor.
        int dup = ::fcntl(s, F_DUPFD_CLOEXEC, 0);
        if (dup < 0) return 0;  // the transfer then ends by its timeout
        try {
            socket = std::make_shared<Socket>(self.strand_, s, dup, false);
        } catch (...) {
            ::close(dup);
            return 0;
        }
        self.sockets_.emplace(s, socket);
    }
    socket->want = what;
    self.update_waits(socket);
    return 0;
}

void CurlHttpClient::Impl::update_waits(const std::shared_ptr<Socket>& socket) {
    if (socket->closed || destroying_) return;
    if ((socket->want & CURL_POLL_IN) != 0 && !socket->read_pending) {
        start_wait(socket, asio::posix::descriptor_base::wait_read);
    }
    if ((socket->want & CURL_POLL_OUT) != 0 && !socket->write_pending) {
        start_wait(socket, asio::posix::descriptor_base::wait_write);
    }
}

void CurlHttpClient::Impl::start_wait(const std::shared_ptr<Socket>& socket,
                                      asio::posix::descriptor_base::wait_type w) {
    (w == asio::posix::descriptor_base::wait_read ? socket->read_pending
                                                  : socket->write_pending) = true;
    // weak: a pending wait must not keep the client alive; the Socket is kept by the wait.
    socket->descriptor.async_wait(
        w, [weak = weak_from_this(), socket, w](boost::system::error_code ec) {
            if (auto self = weak.lock()) self->on_ready(socket, w, ec);
        });
}

void CurlHttpClient::Impl::on_ready(const std::shared_ptr<Socket>& socket,
                                    asio::posix::descriptor_base::wait_type w,
                                    boost::system::error_code ec) {
    NOCTUA_ASSERT(strand_.running_in_this_thread());
    const bool read = w == asio::posix::descriptor_base::wait_read;
    (read ? socket->read_pending : socket->write_pending) = false;
    if (socket->closed || !multi_) return;
    if (ec == asio::error::operation_aborted) {
        // Cancelled by CURL_POLL_REMOVE; curl may have asked again since.
        update_waits(socket);
        return;
    }
    if (!ec && (socket->want & (read ? CURL_POLL_IN : CURL_POLL_OUT)) == 0) {
        update_waits(socket);
        return;
    }
    // After an error we wait for curl to ask again rather than spin; its timeout bounds it.
    const int action = ec ? CURL_CSELECT_ERR : (read ? CURL_CSELECT_IN : CURL_CSELECT_OUT);
    int running = 0;
    curl_multi_socket_action(multi_.get(), socket->curl_socket, action, &running);
    check_multi_info();
    if (!ec) update_waits(socket);
}

int CurlHttpClient::Impl::on_timer(CURLM* /*multi*/, long timeout_ms, void* userp) {
    auto& self = *static_cast<Impl*>(userp);
    if (self.destroying_) return 0;
    if (timeout_ms < 0) {
        self.timer_.cancel();
        return 0;
    }
    // Never call curl from inside its callback. "Now" (every new request asks for it) is a
    // post rather than the timer: arming and firing the reactor's timerfd for it cost a tenth
    // of a probe's CPU. The armed timer is left alone; if it fires early, curl just asks again.
    if (timeout_ms == 0) {
        if (!self.timeout_posted_) {
            self.timeout_posted_ = true;
            asio::post(self.strand_, [weak = self.weak_from_this()] {
                if (auto impl = weak.lock()) {
                    impl->timeout_posted_ = false;
                    impl->on_timeout();
                }
            });
        }
        return 0;
    }
    self.timer_.expires_after(std::chrono::milliseconds(timeout_ms));
    self.timer_.async_wait([weak = self.weak_from_this()](boost::system::error_code ec) {
        if (ec) return;
        if (auto impl = weak.lock()) impl->on_timeout();
    });
    return 0;
}

void CurlHttpClient::Impl::on_timeout() {
    NOCTUA_ASSERT(strand_.running_in_this_thread());
    if (!multi_) return;
    int running = 0;
    curl_multi_socket_action(multi_.get(), CURL_SOCKET_TIMEOUT, 0, &running);
    check_multi_info();
}

// ---------------------------------------------------------------------------------------------
// Transfers

std::size_t CurlHttpClient::Impl::on_write(char* data, std::size_t size, std::size_t count,
                                           void* userp) {
    auto& t = *static_cast<Transfer*>(userp);
    const std::size_t bytes = size * count;
    if (t.response.body.size() + bytes > t.max_body) {
        // Any count other than `bytes` aborts the transfer with CURLE_WRITE_ERROR.
        t.too_large = true;
        return 0;
    }
    try {
        t.response.body.append(data, bytes);
    } catch (...) {
        return 0;
    }
    return bytes;
}

std::size_t CurlHttpClient::Impl::on_header(char* data, std::size_t size, std::size_t count,
                                            void* userp) {
    auto& t = *static_cast<Transfer*>(userp);
    const std::size_t bytes = size * count;
    std::string_view line(data, bytes);
    try {
        if (line.starts_with("HTTP/")) {
            // A new response (after a redirect or 100 Continue): keep only the last one's.
            t.response.headers.clear();
            t.response.body.clear();
            return bytes;
        }
        if ((line.starts_with(" ") || line.starts_with("\t")) && !t.response.headers.empty()) {
            auto folded = trim(line);
            if (!folded.empty()) {
                auto& value = t.response.headers.back().second;
                value += ' ';
                value += folded;
            }
            return bytes;
        }
        auto colon = line.find(':');
        if (colon == std::string_view::npos) return bytes;  // blank line ending the headers
        t.response.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                        std::string(trim(line.substr(colon + 1))));
    } catch (...) {
        return 0;
    }
    return bytes;
}

void CurlHttpClient::Impl::check_multi_info() {
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_.get(), &left)) {
        if (message->msg != CURLMSG_DONE) continue;
        // The message does not survive curl_multi_remove_handle: copy what we need first.
        CURL* easy = message->easy_handle;
        CURLcode result = message->data.result;
        finish(easy, result);
    }
}

void CurlHttpClient::Impl::finish(CURL* easy, CURLcode result) {
    auto it = transfers_.find(easy);
    if (it == transfers_.end()) return;
    auto transfer = std::move(it->second);
    transfers_.erase(it);
    auto& response = transfer->response;

    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    curl_off_t value = 0;
    if (curl_easy_getinfo(easy, CURLINFO_NAMELOOKUP_TIME_T, &value) == CURLE_OK) {
        response.timings.dns = to_seconds(value);
    }
    if (curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &value) == CURLE_OK) {
        response.timings.connect = to_seconds(value);
    }
    if (curl_easy_getinfo(easy, CURLINFO_APPCONNECT_TIME_T, &value) == CURLE_OK) {
        response.timings.tls = to_seconds(value);
    }
    if (curl_easy_getinfo(easy, CURLINFO_STARTTRANSFER_TIME_T, &value) == CURLE_OK) {
        response.timings.first_byte = to_seconds(value);
    }
    if (curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &value) == CURLE_OK) {
        response.timings.total = to_seconds(value);
    }
    read_certificate(easy, response);
    if (!response.certificate && transfer->want_certificate) {
        response.certificate = std::move(transfer->presented);
    }

    if (result != CURLE_OK) {
        response.error = transfer->too_large
                             ? TransportError::too_large
                             : to_transport_error(std::error_code(result, curl_category()));
        // curl_easy_strerror's fixed text, never curl's error buffer: that one quotes host
        // names, addresses and URL parts, and a webhook URL or its host may hold a secret.
        response.error_message = curl_easy_strerror(result);
        // The chain verified (or was not checked) but curl refused the peer: its name.
        std::string_view what = core::tls_verify_failure(transfer->verify_error);
        if (what.empty() && result == CURLE_PEER_FAILED_VERIFICATION) what = "hostname mismatch";
        if (!what.empty() && response.error == TransportError::tls) {
            response.error_message = "certificate verification failed (" + std::string(what) +
                                     "): " + response.error_message;
        }
        if (transfer->too_large) {
            response.error_message = "response body larger than " +
                                     std::to_string(transfer->max_body) + " bytes";
        }
        response.body.clear();
    }
    curl_multi_remove_handle(multi_.get(), easy);
    complete(std::move(transfer->handler), std::move(response));
    // Only a handle whose transfer succeeded goes back to the pool. Curl skips its end-of-transfer
    // cleanup on some failures (a failed name lookup keeps the receive buffer, which
    // curl_easy_reset does not free), and such a handle refuses CURLOPT_BUFFERSIZE ever after:
    // every request it would carry fails before it starts.
    if (result == CURLE_OK && idle_.size() < kMaxIdleHandles) {
        // Forgets every option (and the pointers into this Transfer); keeps curl's buffers.
        curl_easy_reset(easy);
        idle_.push_back(std::move(transfer->easy));
    }
}

void CurlHttpClient::Impl::fail(Transfer& t, TransportError error, std::string message) {
    t.response.error = error;
    t.response.error_message = std::move(message);
    t.response.body.clear();
    complete(std::move(t.handler), std::move(t.response));
}

void CurlHttpClient::Impl::complete(Handler handler, core::HttpResponse response) {
    in_flight_.fetch_sub(1);
    asio::post(ioc_, [handler = std::move(handler), response = std::move(response)]() mutable {
        handler(std::move(response));
    });
}

void CurlHttpClient::Impl::do_stop() {
    NOCTUA_ASSERT(strand_.running_in_this_thread());
    if (stopped_) return;
    stopped_ = true;
    auto transfers = std::move(transfers_);
    transfers_.clear();
    for (auto& [easy, transfer] : transfers) {
        curl_multi_remove_handle(multi_.get(), easy);
        fail(*transfer, TransportError::cancelled, "client stopped");
    }
    transfers.clear();
    idle_.clear();
    timer_.cancel();
    // Closes cached connections; the sockets left (none, normally) are closed after it.
    multi_.reset();
    close_all_sockets();
}

// ---------------------------------------------------------------------------------------------
// CurlHttpClient

CurlHttpClient::CurlHttpClient(asio::io_context& ioc) : impl_(std::make_shared<Impl>(ioc)) {}

CurlHttpClient::~CurlHttpClient() { stop(); }

void CurlHttpClient::async_request(core::HttpRequest request, Handler handler) {
    impl_->in_flight_.fetch_add(1);
    asio::post(impl_->strand_, [impl = impl_, request = std::move(request),
                                handler = std::move(handler)]() mutable {
        impl->start(std::move(request), std::move(handler));
    });
}

void CurlHttpClient::stop() {
    asio::post(impl_->strand_, [impl = impl_] { impl->do_stop(); });
}

std::size_t CurlHttpClient::in_flight() const { return impl_->in_flight_.load(); }

}  // namespace noctua::net
