// /api/v1/maintenance over HTTP: recurring windows from the config and ad hoc ones created
// through the API (persisted silences tagged as maintenance).
#include <string>

#include "harness.hpp"
#include "noctua/daemon/kinds.hpp"

using namespace noctua;
using testing::RunningDaemon;

namespace {

constexpr std::string_view kConfig = R"(
[server]
listen = "127.0.0.1:0"
shutdown_timeout = "2s"

[[providers]]
id = "acme"
  [[providers.maintenance]]
  years = ["2001"]
  comment = "long ago"

[[providers]]
id = "beta"
)";

}  // namespace

TEST_CASE("daemon: maintenance windows are listed and created through the API",
          "[integration]") {
    auto cfg = config::load_string(kConfig, "test.toml", daemon::builtin_kind_parsers());
    REQUIRE(cfg.has_value());
    RunningDaemon d{std::move(*cfg)};

    auto listed = testing::http_call("GET", d.url("/api/v1/maintenance"));
    REQUIRE(listed.status == 200);
    CHECK(listed.body == R"({"status":"success","data":[{"source":"config","provider":"acme",)"
                         R"("comment":"long ago","time_intervals":[],"active":false}]})");

    auto made = testing::http_call(
        "POST", d.url("/api/v1/maintenance"),
        R"({"provider":"beta","duration":"2h","comment":"db migration","createdBy":"noc"})");
    REQUIRE(made.status == 200);
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    REQUIRE_FALSE(parser.parse(made.body).get(doc));
    const std::string id(testing::json_text(doc["maintenanceID"]));
    CHECK(id.size() == 16);
    CHECK(testing::json_text(doc["data"]["provider"]) == "beta");
    CHECK(testing::json_text(doc["data"]["status"]["state"]) == "active");

    listed = testing::http_call("GET", d.url("/api/v1/maintenance"));
    REQUIRE(listed.status == 200);
    CHECK(listed.body.find(R"("source":"api","id":")" + id + R"(","provider":"beta")") !=
          std::string::npos);
    CHECK(listed.body.find(R"("comment":"db migration")") != std::string::npos);
    // It is a silence too, and ends like one.
    auto silences = testing::http_call("GET", d.url("/api/v1/silences"));
    CHECK(silences.body.find(id) != std::string::npos);
    CHECK(testing::http_call("DELETE", d.url("/api/v1/silences/" + id)).status == 200);
    listed = testing::http_call("GET", d.url("/api/v1/maintenance"));
    CHECK(listed.body.find(R"("state":"expired")") != std::string::npos);

    SECTION("mistakes are 400 with the reason") {
        auto unknown = testing::http_call("POST", d.url("/api/v1/maintenance"),
                                          R"({"provider":"gamma","duration":"1h"})");
        CHECK(unknown.status == 400);
        CHECK(unknown.body.find("unknown provider") != std::string::npos);
        CHECK(testing::http_call("POST", d.url("/api/v1/maintenance"), R"({"provider":"beta"})")
                  .status == 400);
        CHECK(testing::http_call("POST", d.url("/api/v1/maintenance"),
                                 R"({"provider":"beta","end":"tomorrow"})")
                  .status == 400);
        CHECK(testing::http_call("POST", d.url("/api/v1/maintenance"), "[").status == 400);
        CHECK(testing::http_call("POST", d.url("/api/v1/maintenance"),
                                 R"({"provider":"beta","start":"2001-01-01T00:00:00Z",)"
                                 R"("end":"2001-01-02T00:00:00Z"})")
                  .status == 400);  // already over
    }
}
