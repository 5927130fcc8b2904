// bench/ingest: throughput of the transaction ingest path (issue 6). See bench/README.md.
//   ingest_bench parse [events]      (a) NDJSON parse + windows from memory, one core
//   ingest_bench generate FILE N     write N sim-like events as JSON lines (for (b), (c))
//   ingest_bench memory [series]     bytes per series-bucket of history
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "noctua/core/json.hpp"
#include "noctua/streams/event.hpp"
#include "noctua/streams/windows.hpp"

using namespace noctua;

namespace {

constexpr const char* kProviders[] = {"reloadly", "dtone", "ding", "prepay", "valuetopup",
                                      "ezetop", "transferto", "blackhawk"};
constexpr const char* kCountries[] = {"ES", "MX", "NG", "IN", "PH", "CO", "GT", "KE", "GH", "PK",
                                      "BD", "ID", "VN", "PE", "EC", "DO", "HN", "SV", "BR", "AR"};
constexpr const char* kStatuses[] = {"success", "success", "success", "success", "success",
                                     "success", "success", "success", "failed",  "pending"};
constexpr const char* kErrors[] = {"INSUFFICIENT_BALANCE", "OPERATOR_UNAVAILABLE_OR_CURRENTLY_INACTIVE",
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
        const std::int64_t ts = start_ms + static_cast<std::int64_t>(i) * span_ms / static_cast<std::int64_t>(n);
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

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

int run_parse(std::size_t n) {
    const std::int64_t start = 1'700'000'000'000;
    const std::string data = make_events(n, start, 60'000);
    const core::TimePoint now{std::chrono::milliseconds{start + 180'000}};
    config::WindowsConfig wc;
    wc.sets = {{"provider", {"provider"}, 10000, false},
               {"provider_country", {"provider", "country"}, 10000, false},
               {"provider_operator", {"provider", "operator"}, 10000, false}};
    wc.max_future = std::chrono::hours(24);
    std::vector<double> parse_only, full, baseline;
    for (int run = 0; run < 5; ++run) {
        // Baseline in the same run: splitting lines and counting bytes (memory bandwidth).
        {
            std::string buf = data;
            auto t0 = std::chrono::steady_clock::now();
            std::size_t lines = 0, sum = 0;
            for (std::size_t pos = 0; pos < buf.size();) {
                auto e = buf.find('\n', pos);
                sum += e - pos;
                ++lines;
                pos = e + 1;
            }
            baseline.push_back(static_cast<double>(lines) / seconds_since(t0));
            if (sum == 0) return 1;
        }
        {
            std::string buf = data;
            streams::EventParser parser{streams::ParseOptions{64 * 1024, std::chrono::hours(24),
                                                              std::chrono::days(35), {}}};
            std::size_t ok = 0, bad = 0;
            auto t0 = std::chrono::steady_clock::now();
            parser.parse_lines(
                buf, now, [&](const streams::TxEvent&) { ++ok; },
                [&](std::size_t, streams::Rejection) { ++bad; });
            parse_only.push_back(static_cast<double>(ok) / seconds_since(t0));
            if (bad != 0) return 1;
        }
        {
            std::string buf = data;
            streams::EventParser parser{streams::ParseOptions{64 * 1024, std::chrono::hours(24),
                                                              std::chrono::days(35), {}}};
            streams::WindowStore windows{wc, nullptr, nullptr};
            std::size_t ok = 0;
            auto t0 = std::chrono::steady_clock::now();
            parser.parse_lines(
                buf, now,
                [&](const streams::TxEvent& e) {
                    ok += windows.add(e) == streams::AddOutcome::applied;
                },
                [&](std::size_t, streams::Rejection) {});
            windows.advance(now);
            full.push_back(static_cast<double>(ok) / seconds_since(t0));
        }
    }
    fmt::print("(a) parse+aggregate from memory, {} events x 5 runs, 3 dimension sets\n", n);
    fmt::print("    baseline line split      {:>12.0f} lines/s\n", median(baseline));
    fmt::print("    parse only (simdjson)    {:>12.0f} events/s\n", median(parse_only));
    fmt::print("    parse + windows          {:>12.0f} events/s   ({:.3f}x of line split, target 1,000,000)\n",
               median(full), median(full) / median(baseline));
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
    fmt::print("memory: {} series, {} buckets kept (1 per hour for 35 days + recent), {:.1f} MiB "
               "estimated incl. dedup table\n",
               m.series, m.buckets, static_cast<double>(m.bytes) / 1048576.0);
    fmt::print("    {:.0f} bytes per series-bucket (target < 1024); Bucket struct {} bytes; "
               "snapshot {:.1f} MiB\n",
               static_cast<double>(m.bytes) / static_cast<double>(m.buckets), sizeof(streams::Bucket),
               static_cast<double>(snap.size()) / 1048576.0);
    return 0;
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
    if (mode == "parse") return run_parse(argc > 2 ? std::stoul(argv[2]) : 1'000'000);
    if (mode == "memory") return run_memory(argc > 2 ? std::stoul(argv[2]) : 1000);
    if (mode == "generate" && argc > 3) {
        const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now());
        return run_generate(argv[2], std::stoul(argv[3]), now.time_since_epoch().count() - 600'000);
    }
    std::fprintf(stderr, "usage: ingest_bench parse [N] | memory [SERIES] | generate FILE N\n");
    return 2;
}
