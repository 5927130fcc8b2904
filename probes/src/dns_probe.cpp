// The `dns` probe kind: one query over UDP to the configured server (RFC 1035 wire format,
// built and parsed here: no resolver library, no system resolver), asked again over TCP when
// the UDP answer is truncated (TC bit, RFC 7766), judged by rcode, expected answers and
// `expect` (roots: rcode, answers, latency).
#include <arpa/inet.h>

#include <memory>
#include <random>

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kind_parse.hpp"
#include "noctua/probes/dns.hpp"
#include "noctua/probes/kinds/dns.hpp"
#include "eval.hpp"
#include "kinds.hpp"

namespace noctua::probes {

namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::pair<std::string_view, std::uint16_t> kTypes[] = {
    {"A", 1}, {"NS", 2}, {"CNAME", 5}, {"MX", 15}, {"TXT", 16}, {"AAAA", 28}};
constexpr std::string_view kRcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};

std::uint16_t get16(std::string_view b, std::size_t at) {
    return static_cast<std::uint16_t>((static_cast<unsigned char>(b[at]) << 8) | static_cast<unsigned char>(b[at + 1]));
}

/// Reads a possibly compressed name at `pos`; advances `pos` past it in the record.
std::optional<std::string> read_name(std::string_view msg, std::size_t& pos) {
    std::string out;
    std::size_t at = pos;
    bool jumped = false;
    for (int hops = 0; hops < 64; ++hops) {
        if (at >= msg.size()) return std::nullopt;
        const auto len = static_cast<unsigned char>(msg[at]);
        if ((len & 0xC0) == 0xC0) {
            if (at + 1 >= msg.size()) return std::nullopt;
            if (!jumped) pos = at + 2;
            jumped = true;
            at = get16(msg, at) & 0x3FFFu;
            continue;
        }
        if (len == 0) {
            if (!jumped) pos = at + 1;
            return out.empty() ? std::string(".") : out;
        }
        if (at + 1 + len > msg.size()) return std::nullopt;
        if (!out.empty()) out += '.';
        out.append(msg.substr(at + 1, len));
        at += 1 + len;
    }
    return std::nullopt;  // a pointer loop
}

}  // namespace

std::optional<std::uint16_t> dns_type_code(std::string_view type) {
    for (const auto& [name, code] : kTypes) {
        if (name == type) return code;
    }
    return std::nullopt;
}

std::string dns_rcode_name(int rcode) {
    if (rcode >= 0 && rcode < static_cast<int>(std::size(kRcodes))) return std::string(kRcodes[rcode]);
    return fmt::format("RCODE{}", rcode);
}

std::string dns_query(std::uint16_t id, std::string_view name, std::uint16_t type) {
    std::string q;
    const auto put16 = [&](std::uint16_t v) {
        q += static_cast<char>(v >> 8);
        q += static_cast<char>(v & 0xFF);
    };
    put16(id);
    put16(0x0100);  // standard query, recursion desired
    put16(1);
    put16(0);
    put16(0);
    put16(0);
    std::size_t start = 0;
    while (start < name.size()) {
        auto dot = name.find('.', start);
        if (dot == std::string_view::npos) dot = name.size();
        const auto label = name.substr(start, dot - start);
        if (!label.empty() && label.size() < 64) {
            q += static_cast<char>(label.size());
            q.append(label);
        }
        start = dot + 1;
    }
    q += '\0';
    put16(type);
    put16(1);  // IN
    return q;
}

core::Result<DnsAnswer> parse_dns_response(std::string_view msg, std::uint16_t id) {
    if (msg.size() < 12) return core::fail(core::Errc::parse, "response shorter than a DNS header");
    if (get16(msg, 0) != id) return core::fail(core::Errc::parse, "response id does not match the query");
    const auto flags = get16(msg, 2);
    if ((flags & 0x8000) == 0) return core::fail(core::Errc::parse, "not a response");
    DnsAnswer out;
    out.rcode = dns_rcode_name(flags & 0x0F);
    out.truncated = (flags & 0x0200) != 0;
    const auto qd = get16(msg, 4);
    const auto an = get16(msg, 6);
    std::size_t pos = 12;
    for (int i = 0; i < qd; ++i) {
        if (!read_name(msg, pos) || pos + 4 > msg.size()) return core::fail(core::Errc::parse, "malformed question");
        pos += 4;
    }
    for (int i = 0; i < an; ++i) {
        if (!read_name(msg, pos) || pos + 10 > msg.size()) return core::fail(core::Errc::parse, "malformed answer");
        const auto type = get16(msg, pos);
        const auto rdlength = get16(msg, pos + 8);
        pos += 10;
        if (pos + rdlength > msg.size()) return core::fail(core::Errc::parse, "answer data past the end");
        const auto rdata = msg.substr(pos, rdlength);
        std::size_t at = pos;
        std::optional<std::string> text;
        char buf[INET6_ADDRSTRLEN] = {};
        if (type == 1 && rdlength == 4) {
            text = inet_ntop(AF_INET, rdata.data(), buf, sizeof buf) != nullptr ? std::optional<std::string>(buf) : std::nullopt;
        } else if (type == 28 && rdlength == 16) {
            text = inet_ntop(AF_INET6, rdata.data(), buf, sizeof buf) != nullptr ? std::optional<std::string>(buf) : std::nullopt;
        } else if (type == 5 || type == 2) {
            text = read_name(msg, at);
        } else if (type == 15 && rdlength > 2) {
            at += 2;
            text = read_name(msg, at);
        } else if (type == 16) {
            std::string t;
            for (std::size_t k = 0; k < rdata.size();) {
                const auto n = static_cast<unsigned char>(rdata[k]);
                t.append(rdata.substr(k + 1, n));
                k += 1 + n;
            }
            text = std::move(t);
        }
        if (text) out.answers.push_back(std::move(*text));
        pos += rdlength;
    }
    return out;
}

namespace {

/// rcode, answers (a list of strings) and latency, for `expect`.
class DnsScope final : public detail::Scope {
public:
    DnsScope(const DnsAnswer& a, double latency) : answer_(a), latency_(latency) {}
    detail::Value lookup(const config::expr::Node& path) const override {
        const auto& root = path.path.front().key;
        if (root == "rcode") return detail::Value::of(answer_.rcode);
        if (root == "latency") return detail::Value::of(latency_, true);
        if (root == "answers") {
            detail::Value v;
            v.type = detail::Value::Type::list;
            for (const auto& a : answer_.answers) v.items.push_back(detail::Value::of(a));
            if (path.path.size() == 2 && path.path[1].is_index) {
                if (path.path[1].index >= v.items.size()) {
                    return detail::Value::missing(fmt::format("answers has {} elements", v.items.size()));
                }
                return v.items[path.path[1].index];
            }
            return v;
        }
        return detail::Value::missing(root + " is not available for dns probes");
    }

private:
    const DnsAnswer& answer_;
    double latency_;
};

struct DnsRun : std::enable_shared_from_this<DnsRun> {
    DnsRun(asio::any_io_executor ex, const config::ProbeConfig& c, const std::vector<detail::Program>& e,
           const core::Clock& cl, Probe::Done d)
        : config(c), options(c.options.get<DnsOptions>()), expect(e), clock(cl), socket(ex), tcp_socket(ex), timer(ex), done(std::move(d)) {}

    const config::ProbeConfig& config;
    const DnsOptions& options;  // held by config.options
    const std::vector<detail::Program>& expect;
    const core::Clock& clock;
    udp::socket socket;
    tcp::socket tcp_socket;  // the retry when the UDP answer was truncated
    asio::steady_timer timer;
    Probe::Done done;
    std::string query;
    std::array<char, 4096> buffer{};
    std::uint16_t id = 0;
    udp::endpoint server;
    bool over_tcp = false;
    std::array<unsigned char, 2> tcp_length{};  // the 2-byte length prefix of a TCP answer
    std::string tcp_answer;
    Clock::time_point start = Clock::now();
    core::TimePoint started{};
    bool finished = false;

    // The completion handler of one I/O step: nothing once the run has finished, a failure
    // with `reason` and `prefix` + the error on an error, else `next()`.
    auto step(std::string_view reason, std::string_view prefix, void (DnsRun::*next)()) {
        return [self = shared_from_this(), reason, prefix, next](boost::system::error_code e,
                                                                 std::size_t = 0) {
            if (self->finished) return;
            if (e) {
                self->fail(std::string(reason), std::string(prefix) + e.message());
                return;
            }
            ((*self).*next)();
        };
    }

    void begin(std::uint16_t query_id) {
        started = clock.now();
        id = query_id;
        const auto colon = options.target.rfind(':');
        std::string host = options.target.substr(0, colon);
        if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
        boost::system::error_code ec;
        const auto address = asio::ip::make_address(host, ec);
        if (ec) {
            fail("dns", fmt::format("dns: the server must be an IP address, not {}", host));
            return;
        }
        const auto port = static_cast<std::uint16_t>(std::stoi(options.target.substr(colon + 1)));
        server = udp::endpoint(address, port);
        socket.open(server.protocol(), ec);
        if (!ec) socket.connect(server, ec);  // only the server's answers are accepted
        if (ec) {
            fail("connect", fmt::format("connect: {}: {}", options.target, ec.message()));
            return;
        }
        timer.expires_after(config.timeout);
        timer.async_wait([self = shared_from_this()](boost::system::error_code e) {
            if (e || self->finished) return;
            self->fail("timeout", fmt::format("timeout: no DNS answer within {}", core::format_duration(self->config.timeout)));
        });
        query = dns_query(id, options.query.name, dns_type_code(options.query.type).value_or(1));
        socket.async_send(asio::buffer(query), step("send", "send: ", &DnsRun::receive));
    }

    void receive() {
        socket.async_receive(asio::buffer(buffer), [self = shared_from_this()](boost::system::error_code e, std::size_t n) {
            if (self->finished) return;
            if (e) {
                // ICMP port unreachable arrives as connection_refused on a connected socket.
                self->fail(e == asio::error::connection_refused ? "connect" : "receive",
                           fmt::format("dns: {}: {}", self->options.target, e.message()));
                return;
            }
            self->on_answer(std::string_view(self->buffer.data(), n));
        });
    }

    void on_answer(std::string_view msg) {
        auto parsed = parse_dns_response(msg, id);
        if (!parsed) {
            if (!over_tcp && msg.size() >= 2 && get16(msg, 0) != id) {
                receive();  // a stray answer to an older query: keep waiting
                return;
            }
            fail("receive", "dns: " + parsed.error().message);
            return;
        }
        if (parsed->truncated && !over_tcp) {
            ask_over_tcp();
            return;
        }
        const double latency = std::chrono::duration<double>(Clock::now() - start).count();
        ProbeResult r = result();
        r.timings.total = latency;
        r.timings.first_byte = latency;
        const auto& want = options.query;
        if (parsed->rcode != want.rcode) {
            r.failure_reason = "assertion";
            r.message = fmt::format("rcode {}, expected {}", parsed->rcode, want.rcode);
            finish(std::move(r));
            return;
        }
        for (const auto& a : want.answers) {
            if (std::find(parsed->answers.begin(), parsed->answers.end(), a) == parsed->answers.end()) {
                r.failure_reason = "assertion";
                r.message = fmt::format("answer {} missing; got [{}]", a, fmt::join(parsed->answers, ", "));
                finish(std::move(r));
                return;
            }
        }
        const DnsScope scope(*parsed, latency);
        for (const auto& e : expect) {
            if (auto why = e.check(scope)) {
                r.failure_reason = "assertion";
                r.message = *why;
                finish(std::move(r));
                return;
            }
        }
        r.success = true;
        finish(std::move(r));
    }

    // The same query over TCP to the same server and port, framed by a 2-byte length; the
    // run's timer still bounds the whole exchange.
    void ask_over_tcp() {
        over_tcp = true;
        boost::system::error_code ignored;
        socket.close(ignored);
        const tcp::endpoint to(server.address(), server.port());
        tcp_socket.async_connect(to, [self = shared_from_this()](boost::system::error_code e) {
            if (self->finished) return;
            if (e) {
                self->fail("connect", fmt::format("dns over tcp (answer truncated): {}: {}",
                                                  self->options.target, e.message()));
                return;
            }
            const auto n = static_cast<std::uint16_t>(self->query.size());
            self->query.insert(0, 1, static_cast<char>(n >> 8));
            self->query.insert(1, 1, static_cast<char>(n & 0xFF));
            asio::async_write(self->tcp_socket, asio::buffer(self->query),
                              self->step("send", "dns over tcp: send: ", &DnsRun::read_tcp_answer));
        });
    }

    void read_tcp_answer() {
        asio::async_read(tcp_socket, asio::buffer(tcp_length),
                         step("receive", "dns over tcp: ", &DnsRun::read_tcp_body));
    }

    void read_tcp_body() {
        tcp_answer.resize(static_cast<std::size_t>(tcp_length[0]) << 8 | tcp_length[1]);
        asio::async_read(tcp_socket, asio::buffer(tcp_answer),
                         step("receive", "dns over tcp: ", &DnsRun::on_tcp_answer));
    }

    void on_tcp_answer() { on_answer(tcp_answer); }

    ProbeResult result() const {
        return ProbeResult::of(
            config, started,
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start));
    }

    void fail(std::string reason, std::string message) {
        if (finished) return;
        ProbeResult r = result();
        r.failure_reason = std::move(reason);
        r.message = std::move(message);
        finish(std::move(r));
    }

    void finish(ProbeResult r) {
        finished = true;
        timer.cancel();
        boost::system::error_code ignored;
        socket.close(ignored);
        tcp_socket.close(ignored);
        auto d = std::move(done);
        d(std::move(r));
    }
};

class DnsProbe final : public Probe {
public:
    DnsProbe(config::ProbeConfig c, ProbeContext& ctx, std::vector<detail::Program> expect)
        : config_(std::move(c)), ctx_(ctx), expect_(std::move(expect)), rng_(std::random_device{}()) {}
    const config::ProbeConfig& config() const override { return config_; }
    void async_run(Done done) override {
        auto run = std::make_shared<DnsRun>(ctx_.executor, config_, expect_, ctx_.clock, std::move(done));
        run->begin(static_cast<std::uint16_t>(rng_()));
    }

private:
    config::ProbeConfig config_;
    ProbeContext ctx_;
    std::vector<detail::Program> expect_;
    std::mt19937 rng_;  // query ids: unpredictable, so spoofed answers are unlikely to match
};

constexpr std::string_view kKeys[] = {"dns", "expect", "target"};
constexpr std::string_view kRoots[] = {"answers", "latency", "rcode"};
constexpr std::string_view kQueryKeys[] = {"answers", "name", "rcode", "type"};
constexpr std::string_view kTypeNames[] = {"A", "AAAA", "CNAME", "MX", "NS", "TXT"};

/// `[probes.dns]`: the question and the answer wanted.
void read_query(const config::Section& s, DnsQuery& out) {
    auto d = s.subtable("dns");
    if (!d) return;
    d->check_keys(kQueryKeys);
    if (d->require("name")) d->read_string("name", out.name);
    config::read_choice(*d, "type", "record type", "types", kTypeNames, out.type);
    config::read_choice(*d, "rcode", "rcode", "rcodes", kRcodes, out.rcode);
    d->read_string_list("answers", out.answers);
}

class DnsFactory final : public ProbeFactory {
public:
    // ProbeFactory
    std::string_view kind() const override { return "dns"; }
    std::span<const std::string_view> keys() const override { return kKeys; }
    config::KindOptions parse(const config::Section& s, const config::ProbeConfig& /*common*/,
                              const config::ProviderConfig* /*provider*/) const override {
        DnsOptions out;
        detail::read_target(s, out.target);
        detail::read_expect(s, kRoots, nullptr, out.expect);
        if (s.require("dns")) read_query(s, out.query);
        return config::KindOptions::of(std::move(out));
    }
    core::Result<std::unique_ptr<Probe>> create(config::ProbeConfig c, ProbeContext& ctx) const override {
        if (!ctx.executor) return core::fail(core::Errc::invalid_argument, "dns probes need an executor");
        const auto& o = c.options.get<DnsOptions>();
        if (o.query.name.empty()) {
            return core::fail(core::Errc::invalid_argument, "dns probe without [probes.dns]");
        }
        std::vector<detail::Program> expect;
        for (const auto& e : o.expect) {
            auto p = detail::Program::compile(e);
            if (!p) return std::unexpected(p.error());
            expect.push_back(std::move(*p));
        }
        return std::make_unique<DnsProbe>(std::move(c), ctx, std::move(expect));
    }
};

}  // namespace

std::unique_ptr<ProbeFactory> make_dns_factory() { return std::make_unique<DnsFactory>(); }

}  // namespace noctua::probes
