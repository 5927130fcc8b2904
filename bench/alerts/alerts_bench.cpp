// Driver of bench/alerts: pushes alerts through Alertmanager's `POST /api/v2/alerts` to a
// target (Noctua or Alertmanager itself) and receives the resulting notifications on a
// loopback webhook, timing each alert from its push to its arrival. Prints one JSON line.
//
//     alerts_bench latency TARGET_PORT RECEIVER_PORT N
//         N alerts one at a time (each its own group, group_wait 0): the next is pushed once
//         the previous has arrived. p50/p99 of push → webhook, and of push → 200.
//     alerts_bench storm TARGET_PORT RECEIVER_PORT ALERTS PROVIDERS BATCH CONNS PID
//         ALERTS alerts across PROVIDERS providers, BATCH per request, CONNS requests in
//         flight: ingest alerts/s (first push to last 200), p50/p99 notify latency, RSS
//         growth of PID per active alert, duplicates seen at the webhook.
//     alerts_bench fsync DIR N
//         the disk's floor: p50/p99 of N 4 KiB write + fdatasync in DIR.
//
// Every alert carries a label `idx`; the webhook counts each (idx, firing) it sees.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "noctua/core/clock.hpp"
#include "noctua/net/curl_client.hpp"
#include "noctua/net/http_server.hpp"
#include "noctua/net/router.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(v.size() - 1, i)];
}

double mean(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0 : s / static_cast<double>(v.size());
}

long rss_kib(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    while (in >> key) {
        if (key == "VmRSS:") {
            long kib = 0;
            in >> kib;
            return kib;
        }
        in.ignore(1 << 12, '\n');
    }
    return -1;
}

/// utime + stime of `pid`, in seconds.
double cpu_seconds(long pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(in, line);
    // Fields after the command (which may hold spaces): state is field 3, utime 14, stime 15.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i >= 14) ticks += std::atof(field.c_str());
    }
    return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/// The webhook: records when each alert (by its `idx` label) first arrived firing, and how
/// many times it arrived.
struct Receiver {
    explicit Receiver(std::size_t n) : first(n), seen(n, 0) {}
    std::vector<Clock::time_point> first;
    std::vector<int> seen;
    std::size_t distinct = 0;
    std::size_t duplicates = 0;
    std::size_t requests = 0;
    std::size_t bad = 0;
    std::function<void(std::size_t)> on_alert;  // first arrival of idx

    void receive(const std::string& body) {
        const auto now = Clock::now();
        ++requests;
        simdjson::dom::parser parser;
        simdjson::dom::object doc;
        simdjson::dom::array alerts;
        if (parser.parse(body).get(doc) || doc["alerts"].get(alerts)) {
            ++bad;
            return;
        }
        for (auto a : alerts) {
            std::string_view status;
            std::string_view idx;
            if (a["status"].get(status) || status != "firing" || a["labels"]["idx"].get(idx)) {
                continue;
            }
            const auto i =
                static_cast<std::size_t>(std::strtoull(std::string(idx).c_str(), nullptr, 10));
            if (i >= seen.size()) {
                ++bad;
                continue;
            }
            if (seen[i]++ == 0) {
                first[i] = now;
                ++distinct;
                if (on_alert) on_alert(i);
            } else {
                ++duplicates;
            }
        }
    }
};

std::string alert_json(std::size_t idx, std::string_view alertname, std::string_view provider,
                       std::string_view run) {
    // Active for an hour: neither target resolves it during the run.
    const auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    return fmt::format(
        R"({{"labels":{{"alertname":"{}","provider":"{}","idx":"{}","run":"{}"}},)"
        R"("annotations":{{"summary":"bench alert {}"}},"startsAt":"{}","endsAt":"{}",)"
        R"("generatorURL":"http://127.0.0.1/bench"}})",
        alertname, provider, idx, run, idx, noctua::core::format_rfc3339(now),
        noctua::core::format_rfc3339(now + std::chrono::hours(1)));
}

struct Bench {
    boost::asio::io_context ioc;
    noctua::net::CurlHttpClient http{ioc};
    noctua::net::Router router;
    std::unique_ptr<noctua::net::HttpServer> server;
    Receiver receiver;
    std::string push_url;
    std::string run =
        std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000007);

    Bench(std::uint16_t target, std::uint16_t receiver_port, std::size_t n) : receiver(n) {
        push_url = fmt::format("http://127.0.0.1:{}/api/v2/alerts", target);
        router.add("POST", "/hook",
                   [this](const noctua::core::ServerRequest& req, const noctua::net::PathParams&) {
                       receiver.receive(req.body);
                       return noctua::core::ServerResponse::json(200, "{}");
                   });
        noctua::net::HttpServer::Options o;
        o.listen = fmt::format("127.0.0.1:{}", receiver_port);
        o.body_limit = 64 << 20;
        server = std::make_unique<noctua::net::HttpServer>(ioc, router, o);
        if (auto r = server->start(); !r) {
            std::fprintf(stderr, "alerts_bench: webhook on port %u: %s\n", receiver_port,
                         r.error().message.c_str());
            std::exit(1);
        }
    }

    void push(std::string body, std::function<void(bool)> done) {
        noctua::core::HttpRequest req;
        req.method = "POST";
        req.url = push_url;
        req.headers.emplace_back("Content-Type", "application/json");
        req.body = std::move(body);
        req.timeout = std::chrono::seconds(60);
        http.async_request(std::move(req), [done = std::move(done)](noctua::core::HttpResponse r) {
            if (!r.transport_ok() || r.status != 200) {
                std::fprintf(stderr, "alerts_bench: push answered %d %s\n", r.status,
                             r.body.substr(0, 200).c_str());
            }
            done(r.transport_ok() && r.status == 200);
        });
    }

    /// Runs until `until` holds or `limit` has passed, checking every 10 ms.
    void run_until(const std::function<bool()>& until, std::chrono::milliseconds limit) {
        const auto deadline = Clock::now() + limit;
        boost::asio::steady_timer t(ioc);
        std::function<void()> check = [&] {
            if (until() || Clock::now() > deadline) {
                ioc.stop();
                return;
            }
            t.expires_after(std::chrono::milliseconds(10));
            t.async_wait([&](boost::system::error_code) { check(); });
        };
        check();
        ioc.restart();
        ioc.run();
    }

    void stop() {
        server->stop();
        http.stop();
        ioc.restart();
        ioc.poll();
    }
};

int latency(std::uint16_t target, std::uint16_t receiver_port, std::size_t n) {
    const std::size_t warmup = std::min<std::size_t>(20, n / 5);
    Bench b(target, receiver_port, n + warmup);
    std::vector<Clock::time_point> sent(n + warmup);
    std::vector<double> notify, ack;
    std::size_t next = 0, failed = 0;
    bool acked = false, arrived = false;
    std::function<void()> send_next;
    auto maybe_next = [&] {
        if (!acked || !arrived) return;
        const auto i = next - 1;
        if (i >= warmup) notify.push_back(ms(b.receiver.first[i] - sent[i]));
        send_next();
    };
    send_next = [&] {
        if (next == n + warmup) return;
        const auto i = next++;
        acked = arrived = false;
        std::string body = "[";
        body += alert_json(i, fmt::format("BenchLatency{}", i), "p0", b.run);
        body += ']';
        sent[i] = Clock::now();
        b.push(std::move(body), [&, i](bool ok) {
            if (!ok) ++failed;
            if (i >= warmup) ack.push_back(ms(Clock::now() - sent[i]));
            acked = true;
            maybe_next();
        });
    };
    b.receiver.on_alert = [&](std::size_t i) {
        if (i + 1 == next) {
            arrived = true;
            maybe_next();
        }
    };
    send_next();
    b.run_until([&] { return b.receiver.distinct == n + warmup; }, std::chrono::seconds(300));
    // Anything sent twice arrives within the next half second.
    b.run_until([] { return false; }, std::chrono::milliseconds(500));
    b.stop();
    fmt::print(R"({{"mode":"latency","alerts":{},"received":{},"failed_pushes":{},"duplicates":{},)"
               R"("notify_p50_ms":{:.3f},"notify_p99_ms":{:.3f},"notify_max_ms":{:.3f},)"
               R"("ack_p50_ms":{:.3f},"ack_p99_ms":{:.3f}}})"
               "\n",
               n, notify.size(), failed, b.receiver.duplicates, quantile(notify, 0.5),
               quantile(notify, 0.99), quantile(notify, 1.0), quantile(ack, 0.5),
               quantile(ack, 0.99));
    return notify.size() == n ? 0 : 1;
}

int storm(std::uint16_t target, std::uint16_t receiver_port, std::size_t alerts,
          std::size_t providers, std::size_t batch, std::size_t conns, long pid) {
    Bench b(target, receiver_port, alerts);
    std::vector<std::string> bodies;
    for (std::size_t start = 0; start < alerts; start += batch) {
        std::string body = "[";
        for (std::size_t i = start; i < std::min(alerts, start + batch); ++i) {
            if (i > start) body += ',';
            body += alert_json(i, fmt::format("Check{:02}", i / providers),
                               fmt::format("p{:03}", i % providers), b.run);
        }
        body += ']';
        bodies.push_back(std::move(body));
    }
    const long rss_before = rss_kib(pid);
    const double cpu_before = cpu_seconds(pid);
    std::vector<Clock::time_point> sent(alerts);
    std::size_t next = 0, answered = 0, failed = 0;
    Clock::time_point first_push{}, last_ack{};
    std::function<void()> lane = [&] {
        if (next == bodies.size()) return;
        const auto k = next++;
        const auto now = Clock::now();
        if (k == 0) first_push = now;
        for (std::size_t i = k * batch; i < std::min(alerts, (k + 1) * batch); ++i) sent[i] = now;
        b.push(bodies[k], [&](bool ok) {
            if (!ok) ++failed;
            ++answered;
            last_ack = Clock::now();
            lane();
        });
    };
    for (std::size_t c = 0; c < conns; ++c) lane();
    b.run_until([&] { return answered == bodies.size() && b.receiver.distinct == alerts; },
                std::chrono::seconds(600));
    const auto all_in = Clock::now();
    const long rss_all = rss_kib(pid);
    const double cpu = cpu_seconds(pid) - cpu_before;
    // Retries and re-sends come late: keep listening for 3 s more. Then, with every alert still
    // active, RSS once the allocators have returned what the storm's transient work freed
    // (jemalloc and Go's scavenger both return pages within about 10 s).
    b.run_until([] { return false; }, std::chrono::seconds(3));
    const long rss_3s = rss_kib(pid);
    b.run_until([] { return false; }, std::chrono::seconds(12));
    const long rss_settled = rss_kib(pid);
    b.stop();
    std::vector<double> notify;
    notify.reserve(alerts);
    for (std::size_t i = 0; i < alerts; ++i) {
        if (b.receiver.seen[i] > 0) notify.push_back(ms(b.receiver.first[i] - sent[i]));
    }
    const double ingest_s = std::chrono::duration<double>(last_ack - first_push).count();
    fmt::print(
        R"({{"mode":"storm","alerts":{},"providers":{},"batch":{},"conns":{},"received":{},)"
        R"("failed_pushes":{},"duplicates":{},"webhook_requests":{},"ingest_s":{:.3f},)"
        R"("ingest_per_s":{:.0f},"all_delivered_s":{:.3f},"notify_p50_ms":{:.2f},)"
        R"("notify_p99_ms":{:.2f},"notify_mean_ms":{:.2f},"notify_max_ms":{:.2f},)"
        R"("rss_before_kib":{},"rss_all_kib":{},"rss_3s_kib":{},"rss_settled_kib":{},)"
        R"("bytes_per_alert_at_delivery":{:.0f},"bytes_per_alert":{:.0f},)"
        R"("target_cpu_s":{:.3f},"alerts_per_cpu_s":{:.0f}}})"
        "\n",
        alerts, providers, batch, conns, b.receiver.distinct, failed, b.receiver.duplicates,
        b.receiver.requests, ingest_s, static_cast<double>(alerts) / ingest_s,
        std::chrono::duration<double>(all_in - first_push).count(), quantile(notify, 0.5),
        quantile(notify, 0.99), mean(notify), quantile(notify, 1.0), rss_before, rss_all,
        rss_3s, rss_settled,
        1024.0 * static_cast<double>(rss_all - rss_before) / static_cast<double>(alerts),
        1024.0 * static_cast<double>(rss_settled - rss_before) / static_cast<double>(alerts), cpu,
        cpu > 0 ? static_cast<double>(alerts) / cpu : 0.0);
    return b.receiver.distinct == alerts ? 0 : 1;
}

int fsync_floor(const std::string& dir, int n) {
    const auto path = dir + "/fsync-probe";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) return 1;
    std::vector<double> t;
    const std::string block(4096, 'x');
    for (int i = 0; i < n; ++i) {
        if (::write(fd, block.data(), block.size()) < 0) break;
        const auto t0 = Clock::now();
        ::fdatasync(fd);
        t.push_back(ms(Clock::now() - t0));
    }
    ::close(fd);
    ::unlink(path.c_str());
    fmt::print(R"({{"mode":"fsync","n":{},"p50_ms":{:.3f},"p99_ms":{:.3f}}})"
               "\n",
               t.size(), quantile(t, 0.5), quantile(t, 0.99));
    return 0;
}

std::size_t arg(char** argv, int i) { return static_cast<std::size_t>(std::atol(argv[i])); }

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "";
    noctua::net::CurlGlobal curl;
    if (mode == "latency" && argc == 5) {
        return latency(static_cast<std::uint16_t>(arg(argv, 2)),
                       static_cast<std::uint16_t>(arg(argv, 3)), arg(argv, 4));
    }
    if (mode == "storm" && argc == 9) {
        return storm(static_cast<std::uint16_t>(arg(argv, 2)),
                     static_cast<std::uint16_t>(arg(argv, 3)), arg(argv, 4), arg(argv, 5),
                     arg(argv, 6), arg(argv, 7), std::atol(argv[8]));
    }
    if (mode == "fsync" && argc == 4) return fsync_floor(argv[2], std::atoi(argv[3]));
    std::fprintf(stderr,
                 "usage: alerts_bench latency TARGET_PORT RECEIVER_PORT N\n"
                 "       alerts_bench storm TARGET_PORT RECEIVER_PORT ALERTS PROVIDERS BATCH "
                 "CONNS PID\n"
                 "       alerts_bench fsync DIR N\n");
    return 2;
}
