// The `heartbeat` kind (push): an outside job calls POST /api/v1/heartbeats/{id} with a token;
// each scheduled run fails when no beat arrived within interval + grace.
#include "noctua/probes/heartbeat.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <boost/asio/post.hpp>

#include "kinds.hpp"
#include "noctua/config/section.hpp"
#include "noctua/core/log.hpp"
#include "noctua/probes/kinds/heartbeat.hpp"

namespace noctua::probes {

std::uint64_t HeartbeatBoard::add(const std::string& id, config::Secret token) {
    std::lock_guard lock(mu_);
    auto [it, inserted] = entries_.try_emplace(id);
    if (inserted) it->second.last = clock_.now();
    it->second.token = std::move(token);
    it->second.registration = ++next_;
    return it->second.registration;
}

void HeartbeatBoard::remove(const std::string& id, std::uint64_t registration) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(id);
    if (it != entries_.end() && it->second.registration == registration) entries_.erase(it);
}

HeartbeatBoard::BeatResult HeartbeatBoard::beat(std::string_view id, std::string_view token) {
    std::lock_guard lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) {
        refused(id, "unknown_probe");
        return BeatResult::unknown_id;
    }
    const auto& want = it->second.token.reveal();
    if (want.empty() || token.size() != want.size() || CRYPTO_memcmp(token.data(), want.data(), want.size()) != 0) {
        refused(id, token.empty() ? "missing_token" : "bad_token");
        return BeatResult::bad_token;
    }
    it->second.last = clock_.now();
    ++it->second.beats;
    return BeatResult::ok;
}

void HeartbeatBoard::refused(std::string_view id, std::string_view reason) {
    const bool known = reason != "unknown_probe";
    // Labels stay bounded: an id nobody configured is not a label value.
    if (refusals_ != nullptr) {
        refusals_->Add({{"probe", known ? std::string(id) : std::string()},
                        {"reason", std::string(reason)}})
            .Increment();
    }
    const auto now = clock_.now();
    if (last_refusal_log_ && now - *last_refusal_log_ < std::chrono::seconds(1)) {
        ++refusals_unlogged_;
        return;
    }
    // The id only when it is a configured probe's: anything else is caller-chosen text.
    core::logger("probes")->warn("heartbeat refused probe={} reason={} refused_unlogged={}",
                                 known ? id : std::string_view("(unknown)"), reason,
                                 refusals_unlogged_);
    last_refusal_log_ = now;
    refusals_unlogged_ = 0;
}

std::optional<core::TimePoint> HeartbeatBoard::last(std::string_view id) const {
    std::lock_guard lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return std::nullopt;
    return it->second.last;
}

std::uint64_t HeartbeatBoard::beats(std::string_view id) const {
    std::lock_guard lock(mu_);
    auto it = entries_.find(id);
    return it == entries_.end() ? 0 : it->second.beats;
}

namespace {

class HeartbeatProbe final : public Probe {
public:
    HeartbeatProbe(config::ProbeConfig c, ProbeContext& ctx)
        : config_(std::move(c)), options_(config_.options.get<HeartbeatOptions>()), ctx_(ctx),
          registration_(ctx.heartbeats->add(config_.id, options_.token.value_or(config::Secret{}))) {}
    ~HeartbeatProbe() override { ctx_.heartbeats->remove(config_.id, registration_); }
    HeartbeatProbe(const HeartbeatProbe&) = delete;
    HeartbeatProbe& operator=(const HeartbeatProbe&) = delete;

    const config::ProbeConfig& config() const override { return config_; }
    void async_run(Done done) override {
        ProbeResult r;
        r.probe = config_.id;
        r.provider = config_.provider;
        r.started = ctx_.clock.now();
        const auto last = ctx_.heartbeats->last(config_.id).value_or(core::TimePoint{});
        const auto silence = r.started - last;
        const auto allowed = config_.interval + options_.grace;
        r.success = silence <= allowed;
        if (!r.success) {
            r.failure_reason = "heartbeat";
            r.message = fmt::format("no heartbeat for {} (allowed: interval {} + grace {})",
                                    core::format_duration(silence), core::format_duration(config_.interval),
                                    core::format_duration(options_.grace));
        }
        // Never inline: callers expect the completion from the io_context.
        boost::asio::post(ctx_.executor, [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    }

private:
    config::ProbeConfig config_;
    const HeartbeatOptions& options_;  // held by config_.options
    ProbeContext ctx_;
    std::uint64_t registration_;
};

constexpr std::string_view kKeys[] = {"grace", "token_env", "token_file"};

class HeartbeatFactory final : public ProbeFactory {
public:
    // ProbeFactory
    std::string_view kind() const override { return "heartbeat"; }
    std::span<const std::string_view> keys() const override { return kKeys; }
    config::KindOptions parse(const config::Section& s, const config::ProbeConfig& /*common*/,
                              const config::ProviderConfig* /*provider*/) const override {
        HeartbeatOptions out;
        out.token = config::read_secret(s, "token", false);
        if (!out.token && !s.contains("token_env") && !s.contains("token_file")) {
            s.error("heartbeat probes need token_env or token_file (the token callers send)");
        }
        core::Duration grace{};
        if (s.read_duration("grace", grace)) out.grace = grace;
        return config::KindOptions::of(std::move(out));
    }
    core::Result<std::unique_ptr<Probe>> create(config::ProbeConfig c, ProbeContext& ctx) const override {
        if (ctx.heartbeats == nullptr || !ctx.executor) {
            return core::fail(core::Errc::invalid_argument, "heartbeat probes need a heartbeat board");
        }
        return std::make_unique<HeartbeatProbe>(std::move(c), ctx);
    }
};

}  // namespace

std::unique_ptr<ProbeFactory> make_heartbeat_factory() { return std::make_unique<HeartbeatFactory>(); }

}  // namespace noctua::probes
