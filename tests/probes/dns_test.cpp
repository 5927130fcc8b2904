// The dns kind against a tiny UDP responder on 127.0.0.1:0 (never the system resolver).
#include <catch2/catch.hpp>

#include <map>
#include <optional>
#include <thread>

#include <arpa/inet.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "noctua/probes/dns.hpp"
#include "noctua/probes/probe.hpp"
#include "noctua/testing/fake_http_client.hpp"
#include "noctua/testing/run_until.hpp"

#include "noctua/probes/kinds/dns.hpp"
#include "probe_runner.hpp"

using namespace noctua;
using namespace std::chrono_literals;
using boost::asio::ip::tcp;
using boost::asio::ip::udp;

namespace {

/// Answers A queries from `records`; unknown names get NXDOMAIN; with `silent`, nothing.
/// With `truncate_udp`, UDP answers carry no records and the TC bit, and the full answer is
/// served over TCP on the same port.
class FakeDnsServer {
public:
    std::map<std::string, std::vector<std::string>> records;
    bool silent = false;
    std::atomic<bool> truncate_udp{false};
    std::atomic<int> queries{0};
    std::atomic<int> tcp_queries{0};

    // TCP first on port 0, then UDP on the same number (a UDP port is rarely taken).
    FakeDnsServer()
        : acceptor_(ioc_, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)),
          socket_(ioc_, udp::endpoint(boost::asio::ip::make_address("127.0.0.1"),
                                      acceptor_.local_endpoint().port())) {}
    void start() {
        receive();
        accept();
        thread_ = std::thread([this] { ioc_.run(); });
    }
    ~FakeDnsServer() {
        work_.reset();
        ioc_.stop();
        if (thread_.joinable()) thread_.join();
    }
    [[nodiscard]] std::string target() const {
        return "127.0.0.1:" + std::to_string(socket_.local_endpoint().port());
    }

private:
    void receive() {
        socket_.async_receive_from(boost::asio::buffer(buf_), peer_, [this](auto ec, std::size_t n) {
            if (ec) return;
            ++queries;
            if (!silent) answer(std::string(buf_.data(), n));
            receive();
        });
    }
    void accept() {
        acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket peer) {
            if (ec) return;
            // One query per connection, read and answered synchronously on the server thread.
            std::array<unsigned char, 2> len{};
            boost::system::error_code rec;
            boost::asio::read(peer, boost::asio::buffer(len), rec);
            std::string q(static_cast<std::size_t>(len[0]) << 8 | len[1], '\0');
            if (!rec) boost::asio::read(peer, boost::asio::buffer(q), rec);
            if (!rec) {
                ++tcp_queries;
                const auto r = response(q, false);
                std::string framed{static_cast<char>(r.size() >> 8), static_cast<char>(r.size() & 0xFF)};
                framed += r;
                boost::asio::write(peer, boost::asio::buffer(framed), rec);
            }
            accept();
        });
    }
    void answer(const std::string& q) {
        socket_.send_to(boost::asio::buffer(response(q, truncate_udp)), peer_);
    }
    std::string response(const std::string& q, bool truncated) {
        // Question name: labels from offset 12.
        std::string name;
        std::size_t pos = 12;
        while (pos < q.size() && q[pos] != 0) {
            const auto len = static_cast<unsigned char>(q[pos]);
            if (!name.empty()) name += '.';
            name += q.substr(pos + 1, len);
            pos += 1 + len;
        }
        const std::size_t question_end = pos + 5;
        auto it = records.find(name);
        std::string r = q.substr(0, 2);
        const int rcode = it == records.end() ? 3 : 0;
        r += static_cast<char>(truncated ? 0x83 : 0x81);
        if (truncated) it = records.end();
        r += static_cast<char>(0x80 | rcode);
        const auto count = static_cast<char>(it == records.end() ? 0 : it->second.size());
        r += std::string("\0\1\0", 3) + count + std::string("\0\0\0\0", 4);
        r += q.substr(12, question_end - 12);
        if (it != records.end()) {
            for (const auto& ip : it->second) {
                unsigned char addr[4];
                inet_pton(AF_INET, ip.c_str(), addr);
                r += std::string("\xC0\x0C\0\1\0\1\0\0\0\x3C\0\4", 12);
                r.append(reinterpret_cast<const char*>(addr), 4);
            }
        }
        return r;
    }

    boost::asio::io_context ioc_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{ioc_.get_executor()};
    tcp::acceptor acceptor_;
    udp::socket socket_;
    udp::endpoint peer_;
    std::array<char, 512> buf_{};
    std::thread thread_;
};

struct Fixture {
    boost::asio::io_context ioc;
    testing::FakeHttpClient http{ioc};
    core::ManualClock clock;
    probes::ProbeContext ctx{http, clock, ioc.get_executor(), nullptr, nullptr};
    probes::ProbeRegistry registry;
    Fixture() { probes::register_builtin_probes(registry); }
    probes::ProbeResult run(const config::ProbeConfig& c) {
        return testing::create_and_run(ioc, registry, ctx, c);
    }
};

config::ProbeConfig dns_probe(std::string target, std::string name) {
    auto c = testing::acme_probe_config(
        "d", "dns",
        probes::DnsOptions{std::move(target), {}, probes::DnsQuery{std::move(name), "A", "NOERROR", {}}});
    c.timeout = 2s;
    return c;
}

/// `c` wanting `answers` among the answers and holding `expect`.
config::ProbeConfig wanting(config::ProbeConfig c, std::vector<std::string> answers,
                            std::vector<std::string> expect) {
    return testing::with_options<probes::DnsOptions>(std::move(c), [&](probes::DnsOptions& o) {
        o.query.answers = std::move(answers);
        o.expect = std::move(expect);
    });
}

}  // namespace

TEST_CASE("dns probe: answers, expected answers, rcode and expect", "[probes][integration]") {
    FakeDnsServer server;
    server.records["api.acme.test"] = {"10.0.0.1", "10.0.0.2"};
    server.start();
    Fixture f;
    auto c = dns_probe(server.target(), "api.acme.test");
    c = wanting(c, {"10.0.0.2"},
                {"len(answers) == 2", "answers[0] == '10.0.0.1'", "rcode == 'NOERROR'", "latency < 2s"});
    auto r = f.run(c);
    INFO(r.message);
    CHECK(r.success);

    c = testing::with_options<probes::DnsOptions>(c, [](probes::DnsOptions& o) { o.query.answers = {"10.9.9.9"}; });
    r = f.run(c);
    CHECK(r.failure_reason == "assertion");
    CHECK(r.message == "answer 10.9.9.9 missing; got [10.0.0.1, 10.0.0.2]");

    auto nx = dns_probe(server.target(), "nope.acme.test");
    r = f.run(nx);
    CHECK(r.message == "rcode NXDOMAIN, expected NOERROR");
    nx = testing::with_options<probes::DnsOptions>(nx, [](probes::DnsOptions& o) { o.query.rcode = "NXDOMAIN"; });
    CHECK(f.run(nx).success);
}

TEST_CASE("dns probe: a server that never answers is a timeout", "[probes][integration]") {
    FakeDnsServer server;
    server.silent = true;
    server.start();
    Fixture f;
    auto c = dns_probe(server.target(), "api.acme.test");
    c.timeout = 200ms;
    auto r = f.run(c);
    CHECK(r.failure_reason == "timeout");
    CHECK(server.queries == 1);
}

TEST_CASE("dns wire format: query layout and malformed responses", "[probes][unit]") {
    const auto q = probes::dns_query(0x1234, "a.bc", 28);
    CHECK(q == std::string("\x12\x34\x01\x00\0\1\0\0\0\0\0\0\1a\2bc\0\0\x1c\0\1", 22));
    CHECK_FALSE(probes::parse_dns_response("short", 1).has_value());
    auto wrong_id = q;
    wrong_id[2] = static_cast<char>(0x81);
    CHECK_FALSE(probes::parse_dns_response(wrong_id, 0x9999).has_value());
    // A compression pointer loop is rejected, not followed forever.
    std::string loop = std::string("\x12\x34\x81\x80\0\1\0\1\0\0\0\0", 12) + std::string("\xC0\x0C", 2) +
                       std::string("\0\1\0\1", 4) + std::string("\xC0\x0C\0\1\0\1\0\0\0\1\0\4abcd", 16);
    loop[12] = static_cast<char>(0xC0);
    loop[13] = 0x0C;
    CHECK_FALSE(probes::parse_dns_response(loop, 0x1234).has_value());
}

TEST_CASE("dns probe: a truncated UDP answer is asked again over TCP", "[probes][integration]") {
    FakeDnsServer server;
    server.records["big.acme.test"] = {"10.0.0.1", "10.0.0.2", "10.0.0.3"};
    server.truncate_udp = true;
    server.start();
    Fixture f;
    auto c = dns_probe(server.target(), "big.acme.test");
    c = wanting(c, {"10.0.0.3"}, {"len(answers) == 3"});
    auto r = f.run(c);
    INFO(r.message);
    CHECK(r.success);
    CHECK(server.queries == 1);
    CHECK(server.tcp_queries == 1);

    // Without the fallback the truncated answer (no records) would fail the assertion; an
    // untruncated UDP answer never touches TCP.
    server.truncate_udp = false;
    r = f.run(c);
    CHECK(r.success);
    CHECK(server.tcp_queries == 1);
}
