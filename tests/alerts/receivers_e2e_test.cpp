// The alertmanager and email receivers against the real thing: Debian's Alertmanager, and an
// SMTP server (Python's standard library) with STARTTLS and AUTH, both on loopback.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <simdjson.h>
#include <catch2/catch.hpp>

#include "noctua/alerts/channels/email.hpp"
#include "noctua/testing/child_process.hpp"
#include "noctua/testing/loopback.hpp"
#include "noctua/testing/temp_dir.hpp"
#include "receiver_harness.hpp"

using namespace noctua;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using Kind = alerts::DeliveryOutcome::Kind;

namespace {

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// `group()` with times around the real now, as a real service sees them.
alerts::Notification live_group(std::size_t count, alerts::AlertState state, core::TimePoint now,
                                std::uint64_t id) {
    auto n = testing::group(count, "Success ratio 12 % over 5 min (98 % expected)", state, id);
    n.created = now;
    for (auto& a : n.alerts) {
        a.starts_at = now - 6min;
        if (state == alerts::AlertState::resolved) a.ends_at = now - 1s;
    }
    return n;
}

/// GET /api/v2/alerts of the Alertmanager at `base`, parsed.
std::size_t am_alert_count(const std::string& base, std::string* first_state = nullptr) {
    auto r = testing::http_call("GET", base + "/api/v2/alerts");
    REQUIRE(r.status == 200);
    simdjson::dom::parser p;
    simdjson::dom::array alerts;
    REQUIRE(p.parse(r.body).get(alerts) == simdjson::SUCCESS);
    if (first_state != nullptr && alerts.size() > 0) {
        std::string_view state;
        REQUIRE(alerts.at(0)["status"]["state"].get(state) == simdjson::SUCCESS);
        *first_state = std::string(state);
    }
    return alerts.size();
}

}  // namespace

TEST_CASE("alertmanager: a real Alertmanager shows Noctua's firing alerts, then clears them",
          "[alerts][receivers][integration][slow]") {
    REQUIRE(std::filesystem::exists("/usr/bin/prometheus-alertmanager"));  // scripts/install-deps
    testing::TempDir dir("alertmanager");
    std::ofstream(dir.path / "am.yml") << "route:\n  receiver: sink\nreceivers:\n  - name: sink\n";
    const auto port = testing::free_loopback_port();
    const std::string base = "http://127.0.0.1:" + std::to_string(port);
    testing::ChildProcess am(
        {"/usr/bin/prometheus-alertmanager", "--config.file=" + (dir.path / "am.yml").string(),
         "--storage.path=" + (dir.path / "data").string(),
         "--web.listen-address=127.0.0.1:" + std::to_string(port), "--cluster.listen-address="},
        (dir.path / "am.log").string());
    REQUIRE(testing::wait_for(
        [&] { return am.running() && testing::http_call("GET", base + "/-/ready").status == 200; },
        60s));

    testing::ReceiverHarness h;
    const core::SystemClock wall;
    h.clock.set(wall.now());
    auto ch = h.make(testing::receiver("alertmanager", base));
    REQUIRE(h.deliver(*ch, live_group(2, alerts::AlertState::firing, wall.now(), 1)).kind ==
            Kind::delivered);
    std::string state;
    CHECK(am_alert_count(base, &state) == 2);
    CHECK(state == "active");
    auto listed = testing::http_call("GET", base + "/api/v2/alerts?filter=provider%3D%22acme%22");
    CHECK_THAT(listed.body, Contains("\"alertname\":\"ProviderDown\""));
    CHECK_THAT(listed.body, Contains("\"likely_cause\":\"provider answering 503\""));

    REQUIRE(h.deliver(*ch, live_group(2, alerts::AlertState::resolved, wall.now(), 2)).kind ==
            Kind::delivered);
    CHECK(am_alert_count(base) == 0);
}

TEST_CASE("email: a real SMTP exchange with STARTTLS and AUTH delivers plain text and HTML",
          "[alerts][receivers][integration][slow]") {
    testing::TempDir dir("smtp");
    const auto cert = (dir.path / "cert.pem").string();
    const auto key = (dir.path / "key.pem").string();
    const std::string openssl =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "
        "/CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " +
        key + " -out " + cert + " >/dev/null 2>&1";
    REQUIRE(std::system(openssl.c_str()) == 0);
    const auto out = dir.path / "mail";
    std::filesystem::create_directories(out);
    testing::ChildProcess sink({"python3", NOCTUA_ALERTS_TEST_DIR "/smtp_sink.py", cert, key, "noc",
                                "s3cret pass", out.string()},
                               (dir.path / "sink.log").string());
    REQUIRE(testing::wait_for([&] { return std::filesystem::exists(out / "port"); }, 30s));
    const std::string url = "smtp://127.0.0.1:" + slurp(out / "port");

    testing::ReceiverHarness h;
    auto rc = testing::receiver("email", url);
    alerts::EmailOptions mail_options;
    mail_options.from = "noc@example.org";
    mail_options.to = {"oncall@example.org", "lead@example.org"};
    mail_options.username = "noc";
    mail_options.password = config::Secret("s3cret pass", "inline");
    mail_options.ca_file = cert;
    auto ch = h.make(testing::with_options(rc, mail_options));
    REQUIRE(h.deliver(*ch, testing::group(3, "ratio <12 %> & falling")).kind == Kind::delivered);
    REQUIRE(testing::wait_for([&] { return std::filesystem::exists(out / "0.json"); }, 10s));

    simdjson::dom::parser p;
    simdjson::dom::element mail;
    REQUIRE(p.load((out / "0.json").string()).get(mail) == simdjson::SUCCESS);
    CHECK(bool(mail["tls"]));
    CHECK(bool(mail["authed"]));
    CHECK(std::string_view(mail["mail_from"]) == "noc@example.org");
    CHECK(mail["rcpt_to"].get_array().size() == 2);
    CHECK(std::string_view(mail["subject"]) == "FIRING · ProviderDown on acme · critical");
    CHECK(std::string_view(mail["content_type"]) == "multipart/alternative");
    simdjson::dom::array parts = mail["parts"];
    REQUIRE(parts.size() == 2);
    CHECK(std::string_view(parts.at(0)["type"]) == "text/plain");
    const std::string text(std::string_view(parts.at(0)["text"]));
    CHECK_THAT(text, StartsWith("FIRING · ProviderDown on acme · critical\n"));
    CHECK_THAT(text, Contains("ratio <12 %> & falling"));
    CHECK_THAT(text, Contains("Runbook: https://runbooks.example/provider-down"));
    CHECK(std::string_view(parts.at(1)["type"]) == "text/html");
    const std::string html(std::string_view(parts.at(1)["text"]));
    CHECK_THAT(html, Contains("ratio &lt;12 %&gt; &amp; falling"));
    CHECK_THAT(html, Contains("<a href=\"https://grafana.example/d/acme\">Dashboard</a>"));

    SECTION("a refused login is final") {
        mail_options.password = config::Secret("wrong", "inline");
        auto bad = h.make(testing::with_options(rc, mail_options));
        auto refused = h.deliver(*bad, testing::group(1, "x"));
        CHECK(refused.kind == Kind::failed);
        CHECK_THAT(refused.message, !Contains("wrong"));
    }
    SECTION("a server whose certificate does not verify is sent nothing") {
        mail_options.ca_file.clear();  // the system store does not know the sink's certificate
        auto untrusted = h.make(testing::with_options(rc, mail_options));
        CHECK(h.deliver(*untrusted, testing::group(1, "x")).kind == Kind::retry);
        CHECK_FALSE(std::filesystem::exists(out / "1.json"));
    }
}
