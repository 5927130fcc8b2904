#include "alerting.hpp"

#include <utility>

#include "noctua/core/log.hpp"

namespace noctua::daemon {

namespace {

/// Where receivers link back to: `external_url`, else the listen address.
std::string external_url(const config::Config& c) {
    if (!c.external_url.empty()) return c.external_url;
    return "http://" + c.server.listen;
}

}  // namespace

Alerting::Alerting(prometheus::Registry& registry, boost::asio::any_io_executor strand,
                   const core::Clock& clock, std::uint64_t seed,
                   const alerts::ChannelRegistry& kinds, core::HttpClient& http,
                   core::MailClient& mail)
    : kinds_(kinds),
      http_(http),
      clock_(clock),
      mail_(mail),
      metrics_(registry),
      pipeline_(std::move(strand), clock, metrics_, seed),
      gauges_(metrics_.alerts) {}

core::Result<Alerting::Receivers> Alerting::build(const config::Config& next) const {
    Receivers out;
    out.context = std::make_unique<alerts::ChannelContext>(
        alerts::ChannelContext{http_, clock_, external_url(next), &mail_});
    for (const auto& rc : next.receivers) {
        auto ch = kinds_.create(rc, *out.context);
        if (!ch) return std::unexpected(ch.error());
        out.channels.emplace(rc.name, std::shared_ptr<alerts::ChannelBase>(std::move(*ch)));
    }
    return out;
}

void Alerting::configure(const config::Config& next, Receivers receivers) {
    pipeline_.configure(next, std::move(receivers.channels));
    context_ = std::move(receivers.context);
}

core::Result<void> Alerting::open(const std::string& path) { return pipeline_.open(path); }

core::Result<std::vector<alerts::Alert>> Alerting::restore() {
    auto restored = pipeline_.restore();
    if (!restored) return restored;
    for (const auto& a : *restored) series(a).firing->Increment();
    return restored;
}

Alerting::Series& Alerting::series(const alerts::Alert& a) {
    const auto name = a.alertname();
    const auto severity = a.labels.get("severity").value_or("");
    series_key_.assign(name);
    series_key_ += '\x1f';
    series_key_ += severity;
    auto it = series_.find(series_key_);
    if (it == series_.end()) {
        const std::string n(name);
        Series s{&metrics_.transitions.Add({{"alertname", n}, {"state", "firing"}}),
                 &metrics_.transitions.Add({{"alertname", n}, {"state", "resolved"}}),
                 &metrics_.firing.Add({{"alertname", n}, {"severity", std::string(severity)}})};
        it = series_.emplace(series_key_, s).first;
    }
    return it->second;
}

void Alerting::on_transition(const alerts::Alert& a) {
    const bool firing = a.state == alerts::AlertState::firing;
    auto& s = series(a);
    (firing ? s.fired : s.resolved)->Increment();
    s.firing->Increment(firing ? 1 : -1);
    // Formatting labels costs more than the rest of a transition: only when it is logged.
    if (auto log = core::logger("alerts"); log->should_log(spdlog::level::info)) {
        log->info("alert {} alertname={} labels={}", to_string(a.state), a.alertname(),
                  a.labels.to_string());
    }
    pipeline_.on_transition(a);
}

void Alerting::tick(alerts::AlertEngine& engine, core::TimePoint now) {
    for (const auto& in : external_.expire(now)) engine.update(in);
    pipeline_.tick();
}

}  // namespace noctua::daemon
