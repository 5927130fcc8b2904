#include <catch2/catch.hpp>

#include <future>

#include <prometheus/registry.h>
#include <zlib.h>

#include "noctua/core/hmac.hpp"
#include "noctua/streams/http_push.hpp"
#include "noctua/testing/run_until.hpp"
#include "noctua/testing/temp_dir.hpp"

using namespace noctua;
using namespace noctua::streams;
using namespace std::chrono_literals;

namespace {

const core::TimePoint kNow = *parse_rfc3339("2024-05-01T10:00:00Z");
/// kNow in Unix seconds, as replay claims carry it.
const std::int64_t kNowUnix =
    std::chrono::duration_cast<std::chrono::seconds>(kNow.time_since_epoch()).count();

/// The options of a push stream whose senders sign with HMAC key "raw-key".
HttpStreamOptions hmac_options() {
    HttpStreamOptions o;
    o.hmac_secret = config::Secret("raw-key", "inline");
    return o;
}

std::string event_line(int i, std::string_view status = "success") {
    return R"({"id":"tx-)" + std::to_string(i) +
           R"(","ts":"2024-05-01T09:59:00Z","provider":"acme","status":")" + std::string(status) +
           R"(","country":"ES","latency_ms":120})";
}

std::string gzip(std::string_view in) {
    z_stream zs{};
    REQUIRE(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                         Z_DEFAULT_STRATEGY) == Z_OK);
    std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

std::string sign(std::string_view key, std::string_view id, std::string_view ts,
                 std::string_view body) {
    return "v1," + core::webhook_signature(key, id, ts, body);
}

/// The signing key behind the fixture's hmac_secret.
constexpr std::string_view kKey = "0123456789abcdef0123456789abcdef";
/// kNow in Unix seconds, as webhook-timestamp carries it.
const std::string kNowSeconds = std::to_string(kNowUnix);

/// Standard Webhooks headers signing `body` as message `id` at kNow with kKey.
core::Headers signed_headers(std::string_view id, std::string_view body) {
    return {{"webhook-id", std::string(id)},
            {"webhook-timestamp", kNowSeconds},
            {"webhook-signature", sign(kKey, id, kNowSeconds, body)}};
}

/// A pipeline, a push handler and a synchronous call helper.
struct Fixture {
    core::ManualClock clock{kNow};
    prometheus::Registry registry;
    StreamMetrics metrics{registry};
    config::StreamConfig cfg = [] {
        config::StreamConfig c;
        c.id = "push";
        c.kind = "http";
        HttpStreamOptions o;
        o.token = config::Secret("s3cret", "inline");
        // "whsec_" + base64("0123456789abcdef0123456789abcdef")
        o.hmac_secret =
            config::Secret("whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "inline");
        o.queue_limit = 2;
        o.max_decompressed = 64 * 1024;
        c.options = config::KindOptions::of(std::move(o));
        return c;
    }();
    std::unique_ptr<IngestPipeline> pipeline;
    std::unique_ptr<HttpPush> push;

    Fixture() { restart(); }
    void restart() {
        push.reset();
        pipeline = std::make_unique<IngestPipeline>(config::WindowsConfig{}, clock, &metrics, nullptr);
        pipeline->start();
        push = std::make_unique<HttpPush>(cfg, *pipeline, metrics, clock);
    }

    core::ServerResponse call(std::string body, core::Headers headers) {
        core::ServerRequest req;
        req.method = "POST";
        req.path = req.target = "/api/v1/events";
        req.body = std::move(body);
        req.headers = std::move(headers);
        std::promise<core::ServerResponse> p;
        auto f = p.get_future();
        push->handle(req, [&p](core::ServerResponse r) { p.set_value(std::move(r)); });
        REQUIRE(f.wait_for(10s) == std::future_status::ready);
        return f.get();
    }
    core::ServerResponse call_token(std::string body, core::Headers extra = {}) {
        extra.emplace_back("Authorization", "Bearer s3cret");
        return call(std::move(body), std::move(extra));
    }
    double metric(prometheus::Family<prometheus::Counter>& f, std::map<std::string, std::string> l) {
        return f.Add(l).Value();
    }

    /// The ingest thread held, and the pushes queued behind it.
    struct Saturated {
        std::promise<void> release;
        std::vector<std::promise<core::ServerResponse>> answers;
        std::vector<std::future<core::ServerResponse>> queued;
        /// Lets the ingest thread go; each queued push is then applied.
        void resume() {
            release.set_value();
            for (auto& q : queued) CHECK(q.get().status == 200);
        }
    };
    /// Holds the ingest thread and queues two pushes of `event` behind it (queue_limit = 2):
    /// the next push finds the pipeline saturated until resume().
    std::unique_ptr<Saturated> saturate(const std::string& event) {
        auto s = std::make_unique<Saturated>();
        auto released = s->release.get_future().share();
        std::atomic<bool> holding{false};
        pipeline->post([&holding, released] {
            holding = true;
            released.wait();
        });
        REQUIRE(testing::wait_for([&] { return holding.load(); }));
        s->answers.resize(2);
        core::ServerRequest req;
        req.body = event;
        req.headers = {{"Authorization", "Bearer s3cret"}};
        for (auto& p : s->answers) {
            s->queued.push_back(p.get_future());
            push->handle(req, [&p](core::ServerResponse r) { p.set_value(std::move(r)); });
        }
        return s;
    }
};

}  // namespace

TEST_CASE("HttpPush: NDJSON with a bearer token is applied and counted", "[streams][unit]") {
    Fixture fx;
    std::string body = event_line(1) + "\n" + event_line(2, "failed") + "\n" +
                       R"({"id":"x","ts":"2024-05-01T09:59:00Z","status":"success"})" + "\n" +
                       event_line(1) + "\n";
    auto r = fx.call_token(body, {{"Content-Type", "application/x-ndjson"}});
    CHECK(r.status == 200);
    CHECK(r.body == R"({"status":"success","accepted":2,"rejected":1,"duplicates":1,"late":0,)"
                    R"("errors":[{"line":3,"reason":"missing_field","field":"provider"}]})");
    CHECK(fx.metric(fx.metrics.events, {{"source", "push"}}) == 2);
    CHECK(fx.metric(fx.metrics.rejected, {{"source", "push"}, {"reason", "missing_field"}}) == 1);
    CHECK(fx.metric(fx.metrics.duplicates, {{"source", "push"}}) == 1);
    CHECK(fx.metric(fx.metrics.transactions, {{"provider", "acme"}, {"status", "failed"}}) == 1);

    SECTION("a JSON array works too") {
        auto a = fx.call_token("[" + event_line(3) + "," + event_line(4) + "]",
                               {{"Content-Type", "application/json"}});
        CHECK(a.status == 200);
        CHECK(a.body.find(R"("accepted":2)") != std::string::npos);
        auto bad = fx.call_token("[" + event_line(5), {{"Content-Type", "application/json"}});
        CHECK(bad.status == 400);
    }
    SECTION("without a Content-Type the body is NDJSON, or a JSON array when it starts with [") {
        CHECK(fx.call_token(event_line(6), {}).body.find(R"("accepted":1,)") != std::string::npos);
        CHECK(fx.call_token("[" + event_line(7) + "]", {}).body.find(R"("accepted":1,)") !=
              std::string::npos);
    }
    SECTION("other content types are refused, as docs/events.md says") {
        for (const auto* type : {"application/xml", "text/plain", "text/plain; charset=utf-8",
                                 "application/jsonl", "application/x-www-form-urlencoded"}) {
            INFO(type);
            CHECK(fx.call_token(event_line(6), {{"Content-Type", type}}).status == 415);
        }
        CHECK(fx.metric(fx.metrics.events, {{"source", "push"}}) == 2);
        CHECK(
            fx.call_token(event_line(6), {{"Content-Type", "Application/X-NDJSON; charset=utf-8"}})
                .status == 200);
    }
    SECTION("the Bearer scheme is matched without regard to case") {
        for (const auto* scheme : {"bearer", "BEARER", "bEaReR"}) {
            CHECK(fx.call(event_line(10), {{"Authorization", std::string(scheme) + " s3cret"}})
                      .status == 200);
        }
        CHECK(fx.call(event_line(11), {{"Authorization", "Bearers3cret"}}).status == 401);
        CHECK(fx.call(event_line(11), {{"Authorization", "Basic s3cret"}}).status == 401);
    }
}

TEST_CASE("HttpPush: bad credentials get 401 and a counted reason", "[streams][unit]") {
    Fixture fx;
    CHECK(fx.call(event_line(1), {}).status == 401);
    CHECK(fx.call(event_line(1), {{"Authorization", "Bearer wrong"}}).status == 401);
    CHECK(fx.call(event_line(1), {{"Authorization", "Bearer s3cre"}}).status == 401);
    CHECK(fx.metric(fx.metrics.auth_failures, {{"source", "push"}, {"reason", "missing"}}) == 1);
    CHECK(fx.metric(fx.metrics.auth_failures, {{"source", "push"}, {"reason", "bad_token"}}) == 2);
    CHECK(fx.metric(fx.metrics.events, {{"source", "push"}}) == 0);
}

TEST_CASE("HttpPush: Standard Webhooks signatures, tolerance and replay", "[streams][unit]") {
    Fixture fx;
    const std::string body = event_line(1) + "\n";
    const std::string& ts = kNowSeconds;
    auto headers = [&](std::string id, std::string t, std::string sig) {
        return core::Headers{{"webhook-id", std::move(id)},
                             {"webhook-timestamp", std::move(t)},
                             {"webhook-signature", std::move(sig)}};
    };
    // Key rotation: any v1 entry may match.
    auto ok = fx.call(body, headers("msg_1", ts, "v1,bm90IGl0 " + sign(kKey, "msg_1", ts, body)));
    CHECK(ok.status == 200);
    CHECK(fx.call(body, headers("msg_1", ts, sign(kKey, "msg_1", ts, body))).status == 401);  // replay
    CHECK(fx.call(body + " ", headers("msg_2", ts, sign(kKey, "msg_2", ts, body))).status == 401);
    CHECK(fx.call(body, headers("msg_3", ts, sign("other", "msg_3", ts, body))).status == 401);
    const std::string old = std::to_string(std::stoll(ts) - 301);
    CHECK(fx.call(body, headers("msg_4", old, sign(kKey, "msg_4", old, body))).status == 401);
    const std::string soon = std::to_string(std::stoll(ts) + 299);
    CHECK(fx.call(body, headers("msg_5", soon, sign(kKey, "msg_5", soon, body))).status == 200);
    CHECK(fx.metric(fx.metrics.auth_failures, {{"source", "push"}, {"reason", "replayed"}}) == 1);
    CHECK(fx.metric(fx.metrics.auth_failures, {{"source", "push"}, {"reason", "bad_signature"}}) == 2);
    CHECK(fx.metric(fx.metrics.auth_failures, {{"source", "push"}, {"reason", "stale_timestamp"}}) == 1);
}

TEST_CASE("HttpPush: gzip bodies, corrupt gzip and a gzip bomb", "[streams][unit]") {
    Fixture fx;
    std::string body;
    for (int i = 0; i < 50; ++i) body += event_line(i) + "\n";
    auto r = fx.call_token(gzip(body), {{"Content-Encoding", "gzip"}});
    CHECK(r.status == 200);
    CHECK(r.body.find(R"("accepted":50)") != std::string::npos);
    CHECK(fx.call_token("definitely not gzip", {{"Content-Encoding", "gzip"}}).status == 400);
    const std::string bomb = gzip(std::string(10 * 1024 * 1024, '\n'));  // 10 MiB of newlines
    CHECK(bomb.size() < 64 * 1024);
    CHECK(fx.call_token(bomb, {{"Content-Encoding", "gzip"}}).status == 413);
    CHECK(fx.call_token(event_line(1), {{"Content-Encoding", "br"}}).status == 415);
}

TEST_CASE("HttpPush: a saturated pipeline answers 429 with Retry-After", "[streams][unit]") {
    Fixture fx;
    auto held = fx.saturate(event_line(1));
    CHECK(fx.pipeline->pending() == 2);
    auto r = fx.call_token(event_line(2));
    CHECK(r.status == 429);
    CHECK(core::find_header(r.headers, "Retry-After") == "1");
    CHECK(fx.metric(fx.metrics.saturated, {{"source", "push"}}) == 1);
    held->resume();
    CHECK(fx.call_token(event_line(3)).status == 200);

    fx.push->stop();
    auto stopping = fx.call_token(event_line(4));
    CHECK(stopping.status == 503);
    CHECK(core::find_header(stopping.headers, "Retry-After").has_value());
}

TEST_CASE("HttpPush: a signed push refused with 429 may be retried with the same id",
          "[streams][unit]") {
    Fixture fx;
    const std::string body = event_line(7) + "\n";
    const auto retried = signed_headers("msg_retry", body);
    auto held = fx.saturate(event_line(8));
    CHECK(fx.call(body, retried).status == 429);
    held->resume();

    // The sender's retry, byte for byte, is accepted once; a second copy is a replay.
    auto retry = fx.call(body, retried);
    CHECK(retry.status == 200);
    CHECK(retry.body.find(R"("accepted":1)") != std::string::npos);
    CHECK(fx.call(body, retried).status == 401);
    CHECK(fx.metric(fx.metrics.auth_failures, {{"source", "push"}, {"reason", "replayed"}}) == 1);
}

TEST_CASE("HttpPush: a signed push refused as unreadable may be retried with the same id",
          "[streams][unit]") {
    Fixture fx;
    const std::string bad = "not gzip";
    auto gzipped = signed_headers("msg_gz", bad);
    gzipped.emplace_back("Content-Encoding", "gzip");
    CHECK(fx.call(bad, gzipped).status == 400);
    const std::string body = event_line(9) + "\n";
    CHECK(fx.call(body, signed_headers("msg_gz", body)).status == 200);
}

TEST_CASE("PushAuthenticator: ids are kept for the tolerance, however many", "[streams][unit]") {
    core::ManualClock clock{kNow};
    const HttpStreamOptions cfg = hmac_options();
    PushAuthenticator auth(cfg, clock);
    auto claim = [&](std::size_t i, std::int64_t ts) {
        return ReplayClaim{"id-" + std::to_string(i), ts};
    };
    // More ids than any count cap a sender could overflow to push the first one out.
    constexpr std::size_t kIds = 150'000;
    for (std::size_t i = 0; i < kIds; ++i) {
        REQUIRE(auth.reserve(claim(i, kNowUnix)) == AuthFailure::none);
        auth.commit(claim(i, kNowUnix));
    }
    CHECK(auth.reserve(claim(0, kNowUnix)) == AuthFailure::replayed);
    CHECK(auth.reserve(claim(kIds - 1, kNowUnix)) == AuthFailure::replayed);
    CHECK(auth.remembered() == kIds);

    // Exactly the tolerance (300 s): at timestamp + 300 an id could still pass the check.
    clock.advance(300s);
    CHECK(auth.reserve(claim(0, kNowUnix)) == AuthFailure::replayed);
    clock.advance(1s);
    CHECK(auth.remembered() == 0);  // memory is bounded by time
    CHECK(auth.reserve(claim(0, kNowUnix + 301)) == AuthFailure::none);
}

TEST_CASE("PushAuthenticator: past its hard cap it refuses new ids rather than forget one",
          "[streams][unit]") {
    core::ManualClock clock{kNow};
    const HttpStreamOptions cfg = hmac_options();
    PushAuthenticator auth(cfg, clock, 3);
    for (int i = 0; i < 3; ++i) {
        const ReplayClaim c{"id-" + std::to_string(i), kNowUnix};
        REQUIRE(auth.reserve(c) == AuthFailure::none);
        auth.commit(c);
    }
    CHECK(auth.reserve(ReplayClaim{"id-3", kNowUnix}) == AuthFailure::over_capacity);
    CHECK(auth.reserve(ReplayClaim{"id-0", kNowUnix}) == AuthFailure::replayed);
    // An id past the tolerance frees its place.
    clock.advance(301s);
    CHECK(auth.reserve(ReplayClaim{"id-3", kNowUnix + 301}) == AuthFailure::none);
}

TEST_CASE("PushAuthenticator: remembered ids round-trip through their encoding",
          "[streams][unit]") {
    core::ManualClock clock{kNow};
    const HttpStreamOptions cfg = hmac_options();
    PushAuthenticator before(cfg, clock);
    for (const auto& c : {ReplayClaim{"a", kNowUnix}, ReplayClaim{"b", kNowUnix - 200}}) {
        REQUIRE(before.reserve(c) == AuthFailure::none);
        before.commit(c);
    }
    REQUIRE(before.reserve(ReplayClaim{"in-flight", kNowUnix}) == AuthFailure::none);
    const std::string image = before.encode_remembered();

    clock.advance(150s);  // "b" is now past the tolerance
    PushAuthenticator after(cfg, clock);
    CHECK(after.restore_remembered(image));
    CHECK(after.remembered() == 1);
    CHECK(after.reserve(ReplayClaim{"a", kNowUnix}) == AuthFailure::replayed);
    CHECK(after.reserve(ReplayClaim{"in-flight", kNowUnix}) == AuthFailure::none);
    CHECK_FALSE(after.restore_remembered(image.substr(0, image.size() - 1)));
}

TEST_CASE("HttpPush: with an ingest log, acknowledged batches and used ids survive a restart",
          "[streams][unit]") {
    testing::TempDir dir("push-log");
    const std::string signed_body = event_line(100) + "\n";
    const auto kept = signed_headers("msg_keep", signed_body);
    // One daemon's worth of ingest: the log replayed into a fresh pipeline before it starts.
    struct Process {
        Fixture fx;
        std::unique_ptr<IngestLog> log;
        Process(const std::filesystem::path& dir, std::uint64_t snapshot_seq) {
            fx.push.reset();
            fx.pipeline = std::make_unique<IngestPipeline>(config::WindowsConfig{}, fx.clock,
                                                           &fx.metrics, nullptr);
            auto opened = IngestLog::open(dir, &fx.metrics);
            REQUIRE(opened.has_value());
            log = std::move(*opened);
            fx.push = std::make_unique<HttpPush>(fx.cfg, *fx.pipeline, fx.metrics, fx.clock, log.get());
            REQUIRE(fx.push->recover(snapshot_seq).has_value());
            fx.pipeline->start();
        }
        ~Process() { log->stop(); }
        double events() { return fx.metric(fx.metrics.events, {{"source", "push"}}); }
    };

    std::uint64_t acknowledged_seq = 0;
    {
        Process first(dir.path, 0);
        std::string body;
        for (int i = 0; i < 5; ++i) body += event_line(i) + "\n";
        CHECK(first.fx.call_token(body).status == 200);
        CHECK(first.fx.call(signed_body, kept).status == 200);
        CHECK(first.events() == 6);
        CHECK(first.fx.metrics.log_records.Add({}).Value() == 2);
        acknowledged_seq = first.log->last_seq();
    }
    CHECK(acknowledged_seq == 2);

    SECTION("replayed: every acknowledged event is counted again, the used id stays used") {
        Process second(dir.path, 0);
        CHECK(second.events() == 6);
        CHECK(second.fx.metrics.log_replayed.Add({}).Value() == 3);  // carry + 2 batches
        auto replay = second.fx.call(signed_body, kept);
        CHECK(replay.status == 401);
        CHECK(replay.body.find("replayed") != std::string::npos);
        // Numbering goes on after the replayed batches.
        CHECK(second.fx.call_token(event_line(200)).status == 200);
        CHECK(second.log->last_seq() == 3);
    }
    SECTION("what a snapshot holds is not applied twice; its ids are still remembered") {
        Process second(dir.path, acknowledged_seq);
        CHECK(second.events() == 0);
        CHECK(second.fx.call(signed_body, kept).status == 401);
    }
}

TEST_CASE("HttpPush: every member of a multi-member gzip body is applied", "[streams][unit]") {
    Fixture fx;
    std::string first;
    std::string second;
    for (int i = 0; i < 3; ++i) first += event_line(i) + "\n";
    for (int i = 3; i < 8; ++i) second += event_line(i) + "\n";
    const auto gz = [&](std::string body) {
        return fx.call_token(std::move(body), {{"Content-Encoding", "gzip"}});
    };

    SECTION("two members, as `cat a.gz b.gz` makes them") {
        auto r = gz(gzip(first) + gzip(second));
        CHECK(r.status == 200);
        CHECK(r.body.find(R"("accepted":8,)") != std::string::npos);
    }
    SECTION("an empty member between two") {
        auto r = gz(gzip(first) + gzip("") + gzip(second));
        CHECK(r.status == 200);
        CHECK(r.body.find(R"("accepted":8,)") != std::string::npos);
    }
    SECTION("bytes after the last member are refused, and nothing is applied") {
        for (const std::string& tail : {std::string("garbage"), std::string(1, '\n'),
                                        std::string(8, '\0'), gzip(second).substr(0, 12)}) {
            INFO("tail of " << tail.size() << " bytes");
            auto r = gz(gzip(first) + tail);
            CHECK(r.status == 400);
            CHECK(r.body.find("gzip") != std::string::npos);
        }
        CHECK(fx.metric(fx.metrics.events, {{"source", "push"}}) == 0);
    }
    SECTION("the decompressed-size limit holds across members") {
        // Each member alone fits max_decompressed (64 KiB); together they do not.
        const std::string newlines(40 * 1024, '\n');
        CHECK(gz(gzip(newlines)).status == 200);
        CHECK(gz(gzip(newlines) + gzip(newlines)).status == 413);
    }
}
