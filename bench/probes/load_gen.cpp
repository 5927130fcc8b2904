// Fixed-rate HTTP GET load generator for bench/probes: sends `rate` requests per second to
// `url` for `seconds`, over reused connections (the generator's own cost stays small), and
// prints one JSON line: sent, ok, failed, lateness p99 of the sends, latency p50/p99.
//
//     probes_load_gen URL RATE SECONDS [MAX_IN_FLIGHT]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "noctua/net/curl_client.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: probes_load_gen URL RATE SECONDS [MAX_IN_FLIGHT]\n");
        return 2;
    }
    const std::string url = argv[1];
    const double rate = std::atof(argv[2]);
    const double seconds = std::atof(argv[3]);
    const std::size_t max_in_flight = argc > 4 ? static_cast<std::size_t>(std::atol(argv[4])) : 2000;
    noctua::net::CurlGlobal curl;
    boost::asio::io_context ioc;
    noctua::net::CurlHttpClient http(ioc);
    boost::asio::steady_timer timer(ioc);

    const auto start = Clock::now();
    const auto total = static_cast<std::size_t>(rate * seconds);
    const auto period = std::chrono::duration<double>(1.0 / rate);
    std::size_t sent = 0, ok = 0, failed = 0, dropped = 0, in_flight = 0;
    std::vector<double> latencies;
    latencies.reserve(total);

    std::function<void()> tick = [&] {
        // Send everything due by now (catching up after a slow turn), then sleep to the next.
        const auto now = Clock::now();
        while (sent < total && start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(sent)) <= now) {
            ++sent;
            if (in_flight >= max_in_flight) {
                ++dropped;
                continue;
            }
            ++in_flight;
            noctua::core::HttpRequest req;
            req.url = url;
            req.timeout = std::chrono::seconds(10);
            const auto t0 = Clock::now();
            http.async_request(std::move(req), [&, t0](noctua::core::HttpResponse r) {
                --in_flight;
                latencies.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
                (r.transport_ok() && r.status == 200 ? ok : failed) += 1;
                if (sent >= total && in_flight == 0) {
                    timer.cancel();
                    http.stop();
                }
            });
        }
        if (sent >= total) return;
        timer.expires_at(start + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(sent)));
        timer.async_wait([&](boost::system::error_code ec) {
            if (!ec) tick();
        });
    };
    tick();
    ioc.run();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    fmt::print(R"({{"sent":{},"ok":{},"failed":{},"dropped":{},"elapsed_s":{:.3f},"latency_p50_ms":{:.3f},"latency_p99_ms":{:.3f}}})"
               "\n",
               sent, ok, failed, dropped, elapsed, quantile(latencies, 0.5) * 1e3, quantile(latencies, 0.99) * 1e3);
    return failed + dropped > 0 ? 1 : 0;
}
