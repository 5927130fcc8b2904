#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "noctua/streams/event.hpp"

using namespace noctua;
using namespace noctua::streams;

namespace {

const core::TimePoint kNow = *parse_rfc3339("2024-05-01T10:00:00Z");

struct Parsed {
    Rejection rejection;
    TxEvent event;
};

Parsed parse(std::string_view line, ParseOptions options = {}) {
    EventParser parser(std::move(options));
    Parsed out;
    out.rejection = parser.parse(line, 0, kNow, out.event);
    return out;
}

RejectReason reason_of(std::string_view line, ParseOptions options = {}) {
    return parse(line, std::move(options)).rejection.reason;
}

constexpr std::string_view kSim =
    R"({"id":"tx-1","ts":"2024-05-01T09:59:30Z","provider":"reloadly","status":"failed",)"
    R"("operator":"Movistar ES","country":"ES","product":"airtime","customer":"cust-0001",)"
    R"("error_code":"INSUFFICIENT_BALANCE","latency_ms":420,"amount":10.5,"currency":"EUR"})";

}  // namespace

TEST_CASE("EventParser: reads every field noctua-sim emits", "[streams][unit]") {
    auto p = parse(kSim);
    REQUIRE_FALSE(p.rejection);
    const TxEvent& e = p.event;
    CHECK(e.id == "tx-1");
    CHECK(e.ts == *parse_rfc3339("2024-05-01T09:59:30Z"));
    CHECK(e.provider == "reloadly");
    CHECK(e.status == TxStatus::failed);
    CHECK(e.operator_name == "Movistar ES");
    CHECK(e.country == "ES");
    CHECK(e.product == "airtime");
    CHECK(e.customer == "cust-0001");
    CHECK(e.error_code == "INSUFFICIENT_BALANCE");
    CHECK(e.has_latency);
    CHECK(e.latency_ms == 420);
    CHECK(e.has_amount);
    CHECK(e.amount == 10.5);
    CHECK(e.currency == "EUR");
}

TEST_CASE("EventParser: the provider's balance after the transaction", "[streams][unit]") {
    const std::string head = R"({"id":"b","ts":"2024-05-01T09:59:30Z","provider":"p",)";
    auto p = parse(head + R"("status":"success","amount":25,"balance":5975.5})");
    REQUIRE_FALSE(p.rejection);
    CHECK(p.event.has_balance);
    CHECK(p.event.balance == 5975.5);
    auto none = parse(head + R"("status":"success"})");
    REQUIRE_FALSE(none.rejection);
    CHECK_FALSE(none.event.has_balance);
    CHECK(reason_of(head + R"("status":"success","balance":"12"})") == RejectReason::wrong_type);
    const auto bad = parse(head + R"("status":"success","balance":1e999})");
    CHECK(bad.rejection.reason != RejectReason::none);
}

TEST_CASE("EventParser: epoch milliseconds, unknown fields and allow-listed labels",
          "[streams][unit]") {
    ParseOptions o;
    o.allowed_labels = {"channel", "region"};
    auto p = parse(R"({"id":"a","ts":1714557600000,"provider":"p","status":"success",)"
                   R"("extra":{"nested":[1,2,3]},"labels":{"region":"eu","secret":"x","channel":"app"}})",
                   o);
    REQUIRE_FALSE(p.rejection);
    CHECK(p.event.ts == kNow);
    CHECK_FALSE(p.event.has_latency);
    REQUIRE(p.event.labels.size() == 2);
    CHECK(p.event.labels[0] == std::pair<std::string, std::string>{"channel", "app"});
    CHECK(p.event.labels[1] == std::pair<std::string, std::string>{"region", "eu"});
}

TEST_CASE("EventParser: every reject reason", "[streams][unit]") {
    const std::string ok_head = R"({"id":"a","ts":"2024-05-01T10:00:00Z","provider":"p",)";
    SECTION("invalid_json") {
        CHECK(reason_of("not json") == RejectReason::invalid_json);
        CHECK(reason_of(R"({"id":"a","ts":)") == RejectReason::invalid_json);  // truncated
        CHECK(reason_of(R"([1,2])") == RejectReason::invalid_json);            // not an object
        CHECK(reason_of(ok_head + R"("status":"success"} trailing)") == RejectReason::invalid_json);
    }
    SECTION("invalid_utf8") {
        CHECK(reason_of(ok_head + "\"status\":\"success\",\"customer\":\"\xff\xfe\"}") ==
              RejectReason::invalid_utf8);
    }
    SECTION("too_large") {
        ParseOptions o;
        o.max_event_bytes = 100;
        CHECK(reason_of(ok_head + R"("status":"success","customer":")" + std::string(200, 'x') +
                            "\"}",
                        o) == RejectReason::too_large);
    }
    SECTION("missing_field") {
        auto p = parse(R"({"id":"a","ts":"2024-05-01T10:00:00Z","status":"success"})");
        CHECK(p.rejection.reason == RejectReason::missing_field);
        CHECK(p.rejection.field == "provider");
        CHECK(parse(R"({"ts":"2024-05-01T10:00:00Z","provider":"p","status":"success"})")
                  .rejection.field == "id");
        CHECK(parse(ok_head + "\"amount\":1}").rejection.field == "status");
    }
    SECTION("wrong_type: numbers sent as strings and the reverse") {
        auto p = parse(ok_head + R"("status":"success","latency_ms":"420"})");
        CHECK(p.rejection.reason == RejectReason::wrong_type);
        CHECK(p.rejection.field == "latency_ms");
        CHECK(reason_of(ok_head + R"("status":"success","amount":"1.5"})") == RejectReason::wrong_type);
        CHECK(reason_of(R"({"id":7,"ts":"2024-05-01T10:00:00Z","provider":"p","status":"success"})") ==
              RejectReason::wrong_type);
        CHECK(reason_of(ok_head + R"("status":"success","labels":{"a":1}})") ==
              RejectReason::wrong_type);
    }
    SECTION("invalid_value") {
        CHECK(reason_of(ok_head + R"("status":"success","country":"Spain"})") ==
              RejectReason::invalid_value);
        CHECK(reason_of(ok_head + R"("status":"success","country":"es"})") ==
              RejectReason::invalid_value);
        CHECK(reason_of(ok_head + R"("status":"success","latency_ms":-1})") ==
              RejectReason::invalid_value);
        CHECK(reason_of(R"({"id":"","ts":"2024-05-01T10:00:00Z","provider":"p","status":"success"})") ==
              RejectReason::invalid_value);
    }
    SECTION("invalid_status") {
        CHECK(reason_of(ok_head + R"("status":"ok"})") == RejectReason::invalid_status);
    }
    SECTION("invalid_timestamp") {
        for (const char* ts : {"\"yesterday\"", "\"2024-13-01T00:00:00Z\"", "\"2023-02-29T00:00:00Z\"",
                               "\"2024-05-01T10:00:00\"", "1.5e12"}) {
            INFO(ts);
            CHECK(reason_of(std::string(R"({"id":"a","provider":"p","status":"success","ts":)") +
                            ts + "}") == RejectReason::invalid_timestamp);
        }
    }
    SECTION("timestamp_out_of_range: far future or past") {
        CHECK(reason_of(R"({"id":"a","ts":"2024-05-01T10:06:00Z","provider":"p","status":"success"})") ==
              RejectReason::timestamp_out_of_range);
        CHECK(reason_of(R"({"id":"a","ts":"2020-01-01T00:00:00Z","provider":"p","status":"success"})") ==
              RejectReason::timestamp_out_of_range);
        CHECK(reason_of(R"({"id":"a","ts":"2024-05-01T10:04:00Z","provider":"p","status":"success"})") ==
              RejectReason::none);
    }
}

TEST_CASE("parse_rfc3339: offsets, fractions, leap years", "[streams][unit]") {
    CHECK(parse_rfc3339("2024-05-01T12:00:00+02:00") == kNow);
    CHECK(parse_rfc3339("2024-05-01T10:00:00.250Z")->time_since_epoch().count() ==
          kNow.time_since_epoch().count() + 250);
    CHECK(parse_rfc3339("2024-02-29T00:00:00Z").has_value());
    CHECK(parse_rfc3339("1970-01-01T00:00:00Z")->time_since_epoch().count() == 0);
    CHECK_FALSE(parse_rfc3339("2024-05-01T10:00:00+2:00"));
    CHECK_FALSE(parse_rfc3339("2024-05-01T10:00Z"));
}

TEST_CASE("EventParser: NDJSON and arrays number their lines", "[streams][unit]") {
    EventParser parser{ParseOptions{}};
    std::string body = std::string(kSim) + "\n\nnot json\r\n" + std::string(kSim) + "\r\n{\"id\":";
    std::vector<std::string> ids;
    std::vector<std::pair<std::size_t, RejectReason>> rejects;
    parser.parse_lines(
        body, kNow, [&](const TxEvent& e) { ids.push_back(e.id); },
        [&](std::size_t line, Rejection r) { rejects.emplace_back(line, r.reason); });
    CHECK(ids == std::vector<std::string>{"tx-1", "tx-1"});
    REQUIRE(rejects.size() == 2);
    CHECK(rejects[0] == std::pair<std::size_t, RejectReason>{3, RejectReason::invalid_json});
    CHECK(rejects[1] == std::pair<std::size_t, RejectReason>{5, RejectReason::invalid_json});

    std::string array = "[" + std::string(kSim) + ", 5, {\"id\":\"x\"}]";
    ids.clear();
    rejects.clear();
    CHECK(parser.parse_array(
        array, kNow, [&](const TxEvent& e) { ids.push_back(e.id); },
        [&](std::size_t line, Rejection r) { rejects.emplace_back(line, r.reason); }));
    CHECK(ids == std::vector<std::string>{"tx-1"});
    REQUIRE(rejects.size() == 2);
    CHECK(rejects[0] == std::pair<std::size_t, RejectReason>{2, RejectReason::invalid_json});
    CHECK(rejects[1] == std::pair<std::size_t, RejectReason>{3, RejectReason::missing_field});
    std::string broken = "[" + std::string(kSim);
    CHECK_FALSE(parser.parse_array(broken, kNow, [](const TxEvent&) {}, [](std::size_t, Rejection) {}));
}

TEST_CASE("EventParser: every kernel this CPU runs parses as the generic one", "[streams][unit]") {
    const std::string h = R"({"id":"a","ts":"2024-05-01T10:00:00Z","provider":"p",)";
    const std::vector<std::string> lines = {
        std::string(kSim),
        // Escapes in keys and values take the slow path; they must mean the same.
        R"({"\u0069d":"tx-\"1\"","ts":"2024-05-01T09:59:30.250+02:00","provider":"re\\load\u00e9",)"
        R"("status":"\u0073uccess","operator":"Mo\/vistar","labels":{"ch\u0061nnel":"app"}})",
        h + R"("status":"pending","latency_ms":0,"amount":-0.0,"unknown":{"x":[1,{"y":"\""}]}})",
        R"({"id":"a","ts":1714557600000,"provider":"p","status":"timeout"})",
        h + R"("status":"refunded","country":"ES","error_code":""})",
        "not json",
        R"({"id":"a","ts":)",
        h + R"("status":"success"} trailing)",
        h + "\"status\":\"success\",\"customer\":\"\xff\xfe\"}",
        R"({"id":"a","ts":"2024-05-01T10:00:00Z","status":"success"})",
        h + R"("status":"success","latency_ms":"420"})",
        h + R"("status":"success","amount":true})",
        R"({"id":7,"ts":"2024-05-01T10:00:00Z","provider":"p","status":"success"})",
        h + R"("status":"success","country":"es"})",
        h + R"("status":"success","latency_ms":-1})",
        h + R"("status":"ok"})",
        h + R"("status":"succes"})",
        R"({"id":"a","provider":"p","status":"success","ts":"2024-13-01T00:00:00Z"})",
        R"({"id":"a","ts":"2020-01-01T00:00:00Z","provider":"p","status":"success"})",
        h + R"("status":"success","latency_ms":1e999})",
    };
    ParseOptions generic;
    generic.kernel = "generic";
    generic.allowed_labels = {"channel"};
    EventParser reference(generic);
    REQUIRE(reference.kernel_name() == "generic");
    for (const char* kernel : {"haswell", "icelake"}) {
        ParseOptions o = generic;
        o.kernel = kernel;
        EventParser parser(o);
        // A CPU without the kernel's instructions gets the generic one instead.
        if (parser.kernel_name() != kernel) {
            CHECK(parser.kernel_name() == "generic");
            continue;
        }
        for (const auto& line : lines) {
            INFO(kernel << ": " << line);
            TxEvent a, b;
            const Rejection ra = reference.parse(line, 0, kNow, a);
            const Rejection rb = parser.parse(line, 0, kNow, b);
            CHECK(ra.reason == rb.reason);
            CHECK(ra.field == rb.field);
            if (ra || rb) continue;
            CHECK(a.id == b.id);
            CHECK(a.ts == b.ts);
            CHECK(a.provider == b.provider);
            CHECK(a.status == b.status);
            CHECK(a.operator_name == b.operator_name);
            CHECK(a.country == b.country);
            CHECK(a.error_code == b.error_code);
            CHECK(a.latency_ms == b.latency_ms);
            CHECK(a.amount == b.amount);
            CHECK(a.labels == b.labels);
        }
    }
    // The escaped line decodes (keys included) rather than being ignored.
    TxEvent e;
    REQUIRE_FALSE(reference.parse(lines[1], 0, kNow, e));
    CHECK(e.id == "tx-\"1\"");
    CHECK(e.provider == "re\\load\xc3\xa9");
    CHECK(e.operator_name == "Mo/vistar");
    REQUIRE(e.labels.size() == 1);
    CHECK(e.labels[0].second == "app");
}

TEST_CASE("EventParser: lines with blanks, numbers and unknown fields", "[streams][unit]") {
    ParseOptions o;
    EventParser parser(o);
    TxEvent e;
    const std::string line =
        R"( { "id" : "tx-9" , "ts":1714557600000,"provider":"dtone","status":"refunded",)"
        R"("latency_ms":1.5e2,"amount":-0.25,"x":null,"y":true,"z":-12.5e-3,"country":"MX"} )";
    REQUIRE_FALSE(parser.parse(line, 0, kNow, e));
    CHECK(e.id == "tx-9");
    CHECK(e.ts == kNow);
    CHECK(e.provider == "dtone");
    CHECK(e.status == TxStatus::refunded);
    CHECK(e.latency_ms == 150);
    CHECK(e.amount == -0.25);
    CHECK(e.country == "MX");
    // Inside the object, a bad value read before a syntax error further on is what the line is
    // refused for (fields are read in document order); anything after the object is invalid
    // JSON whatever the object holds.
    const std::string head = R"({"id":"","ts":"2024-05-01T10:00:00Z","provider":"p",)";
    const std::vector<std::pair<std::string, Rejection>> bad_lines = {
        {head + R"("status":"success" x})", {RejectReason::invalid_value, "id"}},
        {head + "\"status\":\"success\",\"product\":\"caf\xc3\xa9\"}",
         {RejectReason::invalid_value, "id"}},
        {head + R"("status":"success"} x)", {RejectReason::invalid_json, ""}},
    };
    for (const auto& [bad, want] : bad_lines) {
        INFO(bad);
        const Rejection got = parser.parse(bad, 0, kNow, e);
        CHECK(got.reason == want.reason);
        CHECK(got.field == want.field);
    }
    // The event reused from a line before is emptied: no field leaks into the next.
    REQUIRE_FALSE(parser.parse(R"({"id":"a","ts":1714557600000,"provider":"p","status":"success",)"
                               R"("country":"ES","latency_ms":1,"amount":2})",
                               0, kNow, e));
    REQUIRE_FALSE(parser.parse(
        R"({"id":"b","ts":"2024-05-01T10:00:00Z","provider":"p","status":"success"})", 0, kNow, e));
    CHECK(e.id == "b");
    CHECK(e.country.empty());
    CHECK_FALSE(e.has_latency);
    CHECK_FALSE(e.has_amount);
}
