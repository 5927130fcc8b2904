// bench/ingest: throughput of the transaction ingest path. See bench/README.md.
//   ingest_bench parse [events [kernel]]  (a) NDJSON parse + windows from memory, one core
//   ingest_bench generate FILE N     write N sim-like events as JSON lines (for (b), (c))
//   ingest_bench memory [series]     bytes per series-bucket of history
//   ingest_bench tail FILE N         (c) FileTail + pipeline over FILE (N events) to its end
//   ingest_bench push PORT TOKEN BATCHES [BATCH [CONNS [RUNS]]]
//                                    (b) POST batches to a running daemon's /api/v1/events
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include "noctua/core/json.hpp"
#include "noctua/streams/event.hpp"
#include "noctua/streams/file_tail.hpp"
#include "noctua/streams/metrics.hpp"
#include "noctua/streams/pipeline.hpp"
#include "noctua/streams/windows.hpp"

using namespace noctua;

namespace {

constexpr const char* kProviders[] = {"reloadly",   "dtone",  "ding",       "prepay",
                                      "valuetopup", "ezetop", "transferto", "blackhawk"};
constexpr const char* kCountries[] = {"ES", "MX", "NG", "IN", "PH", "CO", "GT", "KE", "GH", "PK",
                                      "BD", "ID", "VN", "PE", "EC", "DO", "HN", "SV", "BR", "AR"};
constexpr const char* kStatuses[] = {"success", "success", "success", "success", "success",
                                     "success", "success", "success", "failed",  "pending"};
constexpr const char* kErrors[] = {
    "INSUFFICIENT_BALANCE", "OPERATOR_UNAVAILABLE_OR_CURRENTLY_INACTIVE",
    "TRANSACTION_CANNOT_BE_PROCESSED_AT_THE_MOMENT", "INVALID_AMOUNT"};

/// xorshift64*: deterministic, fast.
struct Rng {
    std::uint64_t s = 0x9e3779b97f4a7c15ULL;
    std::uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 2685821657736338717ULL;
    }
    std::size_t pick(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};

/// Events shaped like noctua-sim's (same fields), `ts` spread over `span_ms` from `start_ms`.
std::string make_events(std::size_t n, std::int64_t start_ms, std::int64_t span_ms) {
    Rng rng;
    std::string out;
    out.reserve(n * 280);
    for (std::size_t i = 0; i < n; ++i) {
        const auto p = rng.pick(std::size(kProviders));
        const auto c = rng.pick(std::size(kCountries));
        const char* status = kStatuses[rng.pick(std::size(kStatuses))];
        const std::int64_t ts =
            start_ms + static_cast<std::int64_t>(i) * span_ms / static_cast<std::int64_t>(n);
        core::JsonWriter w;
        w.begin_object()
            .field("id", fmt::format("tx-{:010}", i))
            .field("ts", core::format_rfc3339(core::TimePoint{std::chrono::milliseconds{ts}}))
            .field("provider", kProviders[p])
            .field("status", status)
            .field("operator", fmt::format("{}-op{}", kCountries[c], rng.pick(4)))
            .field("country", kCountries[c])
            .field("product", rng.pick(3) == 0 ? "data" : "airtime")
            .field("customer", fmt::format("cust-{:04}", rng.pick(500) + 1));
        if (status[0] == 'f') w.field("error_code", kErrors[rng.pick(std::size(kErrors))]);
        w.field("latency_ms", static_cast<std::int64_t>(80 + rng.pick(2000)))
            .field("amount", static_cast<double>(rng.pick(10000)) / 100.0)
            .field("currency", "USD")
            .end_object();
        out += std::move(w).str();
        out += '\n';
    }
    return out;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// CPU time of this thread: what "on one core" means on a shared box, where wall time also
/// counts the time other processes held the core.
double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// Wall and CPU time of one timed section.
struct Stopwatch {
    std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
    double cpu = thread_cpu_seconds();
    /// Events per second of wall time and of CPU time.
    [[nodiscard]] std::pair<double, double> rates(std::size_t n) const {
        const double w = seconds_since(wall);
        const double c = thread_cpu_seconds() - cpu;
        return {static_cast<double>(n) / w, static_cast<double>(n) / c};
    }
};

std::string with_padding(const std::string& data) {
    std::string buf;
    buf.reserve(data.size() + streams::kJsonPadding);
    buf = data;
    return buf;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int run_parse(std::size_t n, std::string kernel) {
    const std::int64_t start = 1'700'000'000'000;
    const std::string data = make_events(n, start, 60'000);
    const core::TimePoint now{std::chrono::milliseconds{start + 180'000}};
    config::WindowsConfig wc;
    wc.sets = {{"provider", {"provider"}, 10000, false},
               {"provider_country", {"provider", "country"}, 10000, false},
               {"provider_operator", {"provider", "operator"}, 10000, false}};
    wc.max_future = std::chrono::hours(24);
    const streams::ParseOptions po{
        64 * 1024, std::chrono::hours(24), std::chrono::days(35), {}, std::move(kernel)};
    std::vector<double> baseline, parse_wall, parse_cpu, full_wall, full_cpu;
    for (int run = 0; run < 5; ++run) {
        // Baseline in the same run: splitting lines and counting bytes (memory bandwidth).
        {
            std::string buf = data;
            Stopwatch sw;
            std::size_t lines = 0, sum = 0;
            for (std::size_t pos = 0; pos < buf.size();) {
                auto e = buf.find('\n', pos);
                sum += e - pos;
                ++lines;
                pos = e + 1;
            }
            baseline.push_back(sw.rates(lines).second);
            if (sum == 0) return 1;
        }
        // The buffers come with simdjson's padding, as the sources' read buffers do, so that
        // parse_lines() does not copy them inside the timed section.
        {
            std::string buf = with_padding(data);
            streams::EventParser parser{po};
            std::size_t ok = 0, bad = 0;
            Stopwatch sw;
            parser.parse_lines(
                buf, now, [&](const streams::TxEvent&) { ++ok; },
                [&](std::size_t, streams::Rejection) { ++bad; });
            const auto [w, c] = sw.rates(ok);
            parse_wall.push_back(w);
            parse_cpu.push_back(c);
            if (bad != 0) return 1;
        }
        {
            std::string buf = with_padding(data);
            streams::EventParser parser{po};
            streams::WindowStore windows{wc, nullptr, nullptr};
            std::size_t ok = 0;
            Stopwatch sw;
            parser.parse_lines(
                buf, now,
                [&](const streams::TxEvent& e) {
                    ok += windows.add(e) == streams::AddOutcome::applied;
                },
                [&](std::size_t, streams::Rejection) {});
            windows.advance(now);
            const auto [w, c] = sw.rates(ok);
            full_wall.push_back(w);
            full_cpu.push_back(c);
            if (ok != n) return 1;
        }
    }
    fmt::print(
        "(a) parse+aggregate from memory, {} events x 5 runs, 3 dimension sets, parser "
        "kernel {}\n",
        n, streams::EventParser(po).kernel_name());
    fmt::print("    medians, events/s             per CPU-second    per wall-second\n");
    fmt::print("    baseline line split          {:>14.0f}\n", median(baseline));
    fmt::print("    parse only (simdjson)        {:>14.0f}   {:>14.0f}\n", median(parse_cpu),
               median(parse_wall));
    fmt::print(
        "    parse + windows              {:>14.0f}   {:>14.0f}   ({:.3f}x of line split, "
        "target 1,000,000)\n",
        median(full_cpu), median(full_wall), median(full_cpu) / median(baseline));
    return 0;
}

int run_memory(std::size_t series) {
    config::WindowsConfig wc;
    wc.sets = {{"customer", {"customer"}, series + 10, false}};
    wc.max_future = std::chrono::hours(24 * 40);
    streams::WindowStore windows{wc, nullptr, nullptr};
    streams::TxEvent e;
    e.provider = "p";
    e.has_latency = true;
    e.latency_ms = 120;
    const std::int64_t start = 1'700'000'000'000;
    const std::int64_t hours = 24 * 35;
    std::size_t id = 0;
    for (std::int64_t h = 0; h < hours; ++h) {
        for (std::size_t s = 0; s < series; ++s) {
            e.id = fmt::format("{}", id++);
            e.customer = fmt::format("cust-{:06}", s);
            e.ts = core::TimePoint{std::chrono::milliseconds{start + h * 3'600'000}};
            (void)windows.add(e);
        }
    }
    windows.advance(core::TimePoint{std::chrono::milliseconds{start + hours * 3'600'000}});
    const auto m = windows.memory();
    const auto snap = windows.snapshot();
    fmt::print(
        "memory: {} series, {} buckets kept (1 per hour for 35 days + recent), {:.1f} MiB "
        "estimated incl. dedup table\n",
        m.series, m.buckets, static_cast<double>(m.bytes) / 1048576.0);
    fmt::print(
        "    {:.0f} bytes per series-bucket (target < 1024); Bucket struct {} bytes; "
        "snapshot {:.1f} MiB\n",
        static_cast<double>(m.bytes) / static_cast<double>(m.buckets), sizeof(streams::Bucket),
        static_cast<double>(snap.size()) / 1048576.0);
    return 0;
}

/// Writes all of `data` to `fd`; false on error.
bool write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

/// Reads one HTTP response (headers + Content-Length body) from `fd` into `buf`; returns the
/// status and leaves the body in `body`. 0 on a connection error.
int read_response(int fd, std::string& buf, std::string& body) {
    char chunk[16384];
    for (;;) {
        const auto end = buf.find("\r\n\r\n");
        if (end != std::string::npos) {
            const auto cl = buf.find("Content-Length: ");
            const std::size_t len =
                cl != std::string::npos && cl < end ? std::stoul(buf.substr(cl + 16, 12)) : 0;
            if (buf.size() >= end + 4 + len) {
                const int status = std::stoi(buf.substr(9, 3));
                body = buf.substr(end + 4, len);
                buf.erase(0, end + 4 + len);
                return status;
            }
        }
        const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) return 0;
        buf.append(chunk, static_cast<std::size_t>(n));
    }
}

/// (b) POSTs `batches` pre-built NDJSON batches of `batch` events each to the daemon at
/// 127.0.0.1:`port` over `conns` keep-alive connections (one thread each), retrying 429s after
/// a short pause, and prints events accepted per second of wall time.
int push_once(std::uint16_t port, const std::string& token, std::size_t batches, std::size_t batch,
              std::size_t conns, std::size_t first, double& rate) {
    // Distinct ids across batches (the daemon deduplicates), event times within the last minute.
    const auto now_ms =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now())
            .time_since_epoch()
            .count();
    if (batch > 10'000 || first + batches > 999'999) return 2;
    const std::string body = make_events(batch, now_ms - 60'000, 50'000);
    const std::string request = fmt::format(
        "POST /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n"
        "Content-Type: application/x-ndjson\r\nContent-Length: {}\r\n\r\n{}",
        token, body.size(), body);
    // Ids are "tx-" + 10 digits (the index in the batch, < 10,000): the first 6 digits get the
    // batch number before each send, so every event of the run is new to the daemon's dedup.
    std::vector<std::size_t> id_digits;
    for (std::size_t pos = 0; (pos = request.find("\"tx-", pos)) != std::string::npos; pos += 4) {
        id_digits.push_back(pos + 4);
    }
    std::atomic<std::size_t> next{0}, accepted{0}, duplicates{0}, refused{0}, failed{0};
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < conns; ++c) {
        threads.emplace_back([&] {
            const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in addr{};
            addr.sin_family = AF_INET;
            addr.sin_port = htons(port);
            addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
                ++failed;
                ::close(fd);
                return;
            }
            std::string buf, response, req = request;
            for (std::size_t i = next++; i < batches; i = next++) {
                const std::string prefix = fmt::format("{:06}", first + i);
                for (const auto at : id_digits) req.replace(at, 6, prefix);
                for (;;) {
                    if (!write_all(fd, req)) {
                        ++failed;
                        ::close(fd);
                        return;
                    }
                    const int status = read_response(fd, buf, response);
                    if (status == 429) {
                        ++refused;
                        std::this_thread::sleep_for(
                            std::chrono::milliseconds(1));  // load generator pacing, not a test
                        continue;
                    }
                    if (status != 200) {
                        ++failed;
                        ::close(fd);
                        return;
                    }
                    auto field = [&](std::string_view name) -> std::size_t {
                        const auto at = response.find(name);
                        return at == std::string::npos
                                   ? 0
                                   : std::stoul(response.substr(at + name.size()));
                    };
                    accepted += field("\"accepted\":");
                    duplicates += field("\"duplicates\":");
                    break;
                }
            }
            ::close(fd);
        });
    }
    for (auto& t : threads) t.join();
    const double secs = seconds_since(t0);
    const std::size_t parsed = accepted;
    rate = static_cast<double>(parsed) / secs;
    fmt::print(
        "    {:.0f} events/s accepted (parsed and applied; {} accepted, {} duplicates), "
        "{} x 429, {} errors, {:.2f} s\n",
        static_cast<double>(parsed) / secs, accepted.load(), duplicates.load(), refused.load(),
        failed.load(), secs);
    return failed == 0 && parsed == batches * batch ? 0 : 1;
}

/// (b) `runs` pushes of `batches` batches (each run's ids new to the daemon), then the median.
int run_push(std::uint16_t port, const std::string& token, std::size_t batches, std::size_t batch,
             std::size_t conns, std::size_t runs) {
    fmt::print("(b) HTTP push over loopback: {} runs of {} batches x {} events, {} connection(s)\n",
               runs, batches, batch, conns);
    std::vector<double> rates;
    for (std::size_t r = 0; r < runs; ++r) {
        double rate = 0;
        if (push_once(port, token, batches, batch, conns, r * batches, rate) != 0) return 1;
        rates.push_back(rate);
    }
    fmt::print("    median {:.0f} events/s (target 300,000)\n", median(rates));
    return 0;
}

/// Process CPU time (all threads), seconds.
double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// (c) Follows `path` with the real FileTail and IngestPipeline (with metrics, default window
/// sets) until every line is applied; prints events per second of wall and of CPU time
/// (tail + ingest threads).
int run_tail(const std::string& path, std::size_t expected) {
    prometheus::Registry registry;
    streams::StreamMetrics metrics{registry};
    core::SystemClock clock;
    config::WindowsConfig wc;  // default sets: provider, provider_country, provider_operator
    wc.max_future = std::chrono::hours(24);
    wc.retention = std::chrono::days(3650);
    // Metrics included; the sample sink is the detectors' job, not measured here.
    streams::IngestPipeline pipeline{wc, clock, &metrics, nullptr};
    pipeline.start();
    streams::FileStreamOptions options;
    options.paths = {path};
    const config::StreamConfig sc{"tail", "file", config::KindOptions::of(std::move(options))};
    streams::FileTail tail{sc, pipeline, metrics, nullptr};
    const auto wall0 = std::chrono::steady_clock::now();
    const double cpu0 = process_cpu_seconds();
    tail.poll();  // reads to the end and waits until the ingest thread applied it all
    const double wall = seconds_since(wall0);
    const double cpu = process_cpu_seconds() - cpu0;
    pipeline.stop();
    const double applied = metrics.events.Add({{"source", "tail"}}).Value();
    fmt::print(
        "noctua file tail: {:.0f} events in {:.2f} s wall, {:.2f} s CPU: {:.0f} events/s "
        "wall, {:.0f} events per CPU-second\n",
        applied, wall, cpu, applied / wall, applied / cpu);
    return static_cast<std::size_t>(applied) == expected ? 0 : 1;
}

int run_generate(const char* path, std::size_t n, std::int64_t start_ms) {
    std::ofstream out(path, std::ios::binary);
    const std::string data = make_events(n, start_ms, 600'000);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    return out ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "parse";
    if (mode == "parse") {
        return run_parse(argc > 2 ? std::stoul(argv[2]) : 1'000'000, argc > 3 ? argv[3] : "");
    }
    if (mode == "memory") return run_memory(argc > 2 ? std::stoul(argv[2]) : 1000);
    if (mode == "generate" && argc > 3) {
        const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now());
        return run_generate(argv[2], std::stoul(argv[3]), now.time_since_epoch().count() - 600'000);
    }
    if (mode == "tail" && argc > 3) return run_tail(argv[2], std::stoul(argv[3]));
    if (mode == "push" && argc > 4) {
        return run_push(static_cast<std::uint16_t>(std::stoul(argv[2])), argv[3],
                        std::stoul(argv[4]), argc > 5 ? std::stoul(argv[5]) : 1000,
                        argc > 6 ? std::stoul(argv[6]) : 2, argc > 7 ? std::stoul(argv[7]) : 5);
    }
    std::fprintf(
        stderr,
        "usage: ingest_bench parse [N [generic|haswell|icelake]] | memory [SERIES] |\n"
        "       generate FILE N | tail FILE N | push PORT TOKEN BATCHES [BATCH [CONNS [RUNS]]]\n");
    return 2;
}
