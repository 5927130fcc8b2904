#pragma once

// Channels of the built-in receiver kinds talking to loopback fakes over real HTTP (libcurl).

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>

#include "noctua/alerts/channel.hpp"
#include "noctua/net/curl_client.hpp"
#include "noctua/net/curl_mail.hpp"
#include "noctua/testing/run_until.hpp"

namespace noctua::testing {

/// One group of `count` alerts on provider acme; the first is critical, the rest warnings.
inline alerts::Notification group(std::size_t count, std::string summary,
                                  alerts::AlertState state = alerts::AlertState::firing,
                                  std::uint64_t id = 1) {
    using namespace std::chrono_literals;
    alerts::Notification n;
    n.id = id;
    n.receiver = "r";
    n.group_key = R"({}:{alertname="ProviderDown", provider="acme"})";
    n.group_labels = core::Labels{{"alertname", "ProviderDown"}, {"provider", "acme"}};
    n.created = core::TimePoint{} + 1'700'000'000'000ms;
    for (std::size_t i = 0; i < count; ++i) {
        alerts::Alert a;
        a.labels = core::Labels{{"alertname", "ProviderDown"},
                                {"provider", "acme"},
                                {"country", fmt::format("C{}", i)},
                                {"severity", i == 0 ? "critical" : "warning"}};
        a.annotations = {{"summary", summary},
                         {"likely_cause", "provider answering 503"},
                         {"runbook_url", "https://runbooks.example/provider-down"},
                         {"dashboard_url", "https://grafana.example/d/acme"}};
        a.state = state;
        a.starts_at = n.created - 6min;
        if (state == alerts::AlertState::resolved) a.ends_at = n.created;
        n.alerts.push_back(std::move(a));
    }
    return n;
}

inline config::ReceiverConfig receiver(std::string kind, std::string url) {
    config::ReceiverConfig rc;
    rc.name = "r";
    rc.kind = std::move(kind);
    if (!url.empty()) rc.url = config::Secret(std::move(url), "inline");
    rc.timeout = std::chrono::seconds(5);
    return rc;
}

/// `rc` with `options` as its kind's options (the struct the kind's parser would fill).
template <class Options>
config::ReceiverConfig with_options(config::ReceiverConfig rc, Options options) {
    rc.options = config::KindOptions::of(std::move(options));
    return rc;
}

/// An io_context, a curl client and a manual clock that jumps an hour after each delivery,
/// so kinds' default rate limits never hold a test's next message.
struct ReceiverHarness {
    boost::asio::io_context ioc;
    net::CurlHttpClient http{ioc};
    core::ManualClock clock{core::TimePoint{} + std::chrono::hours(500'000)};
    net::CurlMailClient mail{ioc};
    alerts::ChannelContext ctx{http, clock, "https://noctua.example", &mail};
    alerts::ChannelRegistry registry;

    ReceiverHarness() {
        static const net::CurlGlobal global;
        alerts::register_builtin_channels(registry);
        registry.freeze();
    }
    ~ReceiverHarness() { http.stop(); }

    std::unique_ptr<alerts::ChannelBase> make(const config::ReceiverConfig& rc) {
        auto ch = registry.create(rc, ctx);
        REQUIRE(ch.has_value());
        return std::move(*ch);
    }

    /// One attempt; then the clock jumps an hour unless `same_time`.
    alerts::DeliveryOutcome deliver(alerts::ChannelBase& ch, const alerts::Notification& n,
                                    bool same_time = false) {
        std::optional<alerts::DeliveryOutcome> out;
        ch.deliver(n, 1, [&](alerts::DeliveryOutcome o) { out = std::move(o); });
        REQUIRE(run_until(ioc, [&] { return out.has_value(); }));
        if (!same_time) clock.advance(std::chrono::hours(1));
        return *out;
    }

    /// Delivers `n` once per entry of `kinds`, checking each outcome's kind in turn; returns
    /// the outcomes, for their hints and messages.
    std::vector<alerts::DeliveryOutcome> deliver_each(
        alerts::ChannelBase& ch, const alerts::Notification& n,
        std::initializer_list<alerts::DeliveryOutcome::Kind> kinds) {
        std::vector<alerts::DeliveryOutcome> out;
        for (const auto kind : kinds) {
            out.push_back(deliver(ch, n));
            CHECK(out.back().kind == kind);
        }
        return out;
    }

    /// The message of the final failure a channel of `rc` answers `n` with.
    std::string refused(const config::ReceiverConfig& rc, const alerts::Notification& n) {
        auto ch = make(rc);
        auto out = deliver(*ch, n);
        CHECK(out.kind == alerts::DeliveryOutcome::Kind::failed);
        return out.message;
    }
};

}  // namespace noctua::testing
