// The `scenario` probe kind: ordered HTTP steps sharing variables taken from earlier responses
// (`{{ steps.token.body.access_token }}`, `{{ env.NAME }}`, `{{ uuid }}`, `{{ now }}`), each
// with its own expectations, extraction and timing; a step may poll (`until`) and clean-up
// steps (`always_run`) run even after a failure. The run passes only when every step passes.
// A step may retry a failed exchange (`retries`) and bound each request (`timeout`); `{{ attempt }}`
// counts its polls, so a poll can walk pages. Status-test suites run on the same machinery
// (make_scenario_probe with an observer that sees every accepted response).
#include <cstdlib>
#include <deque>
#include <memory>
#include <random>
#include <set>

#include <fmt/format.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "exchange.hpp"
#include "kinds.hpp"
#include "noctua/probes/kinds/scenario.hpp"

namespace noctua::probes {
namespace {

using Clock = std::chrono::steady_clock;
using detail::Program;
using detail::Value;

/// A template compiled: literal text and programs for its holes.
struct CompiledTemplate {
    struct Part {
        std::string literal;
        std::optional<Program> program;
    };
    std::vector<Part> parts;

    static core::Result<CompiledTemplate> compile(const std::string& text) {
        auto t = config::expr::parse_template(text);
        if (!t) return core::fail(core::Errc::invalid_argument, fmt::format("template \"{}\": {}", text, t.error().message));
        CompiledTemplate out;
        for (const auto& p : t->parts) {
            if (p.expression.empty()) {
                out.parts.push_back({p.literal, std::nullopt});
                continue;
            }
            auto prog = Program::compile(p.expression.source());
            if (!prog) return std::unexpected(prog.error());
            out.parts.push_back({{}, std::move(*prog)});
        }
        return out;
    }

    /// The rendered text, or the message of the first hole with no value.
    [[nodiscard]] core::Result<std::string> render(const detail::Scope& scope) const {
        std::string out;
        for (const auto& p : parts) {
            if (!p.program) {
                out += p.literal;
                continue;
            }
            const Value v = p.program->evaluate(scope);
            auto text = detail::to_text(v);
            if (!text) {
                return core::fail(core::Errc::not_found,
                                  fmt::format("{{{{ {} }}}}: {}", p.program->expression().source(), v.why));
            }
            out += *text;
        }
        return out;
    }
};

struct CompiledStep {
    const ScenarioStep* config = nullptr;
    CompiledTemplate url;
    std::vector<std::pair<std::string, CompiledTemplate>> headers;
    CompiledTemplate body;
    detail::Checks checks;
    std::optional<Program> until;
    bool status_asserted = false;  // an expect mentions status: no default 2xx check
};

/// What a step produced, kept for later steps' `steps.<name>` lookups.
struct StepData {
    core::HttpResponse response;
    std::unique_ptr<detail::ResponseScope> scope;
};

/// steps.<name>.…, env.<NAME>, uuid, now; anything else goes to the current response.
class ScenarioScope final : public detail::Scope {
public:
    ScenarioScope(const std::map<std::string, std::unique_ptr<StepData>>& steps,
                  const std::map<std::string, std::string>& env, const std::string& uuid,
                  const std::string& now, const detail::ResponseScope* current, int attempt)
        : steps_(steps), env_(env), uuid_(uuid), now_(now), current_(current), attempt_(attempt) {}

    Value lookup(const config::expr::Node& path) const override {
        const auto& segs = path.path;
        const auto& root = segs.front().key;
        if (root == "steps") {
            if (segs.size() < 2 || segs[1].is_index) return Value::missing("use steps.<name>.…");
            auto it = steps_.find(segs[1].key);
            if (it == steps_.end()) return Value::missing(fmt::format("step {} has not run", segs[1].key));
            if (segs.size() == 2) return Value::missing("use steps." + segs[1].key + ".status, .body…");
            return it->second->scope->lookup_from(path, 2);
        }
        if (root == "env") {
            if (segs.size() != 2 || segs[1].is_index) return Value::missing("use env.NAME");
            auto it = env_.find(segs[1].key);
            if (it == env_.end()) return Value::missing(fmt::format("environment variable {} is not set", segs[1].key));
            return Value::of(it->second);
        }
        if (root == "uuid") return Value::of(uuid_);
        if (root == "now") return Value::of(now_);
        if (root == "attempt") return Value::of(static_cast<double>(attempt_));
        if (current_ != nullptr) return current_->lookup(path);
        return Value::missing(root + " is not available in templates");
    }

private:
    const std::map<std::string, std::unique_ptr<StepData>>& steps_;
    const std::map<std::string, std::string>& env_;
    const std::string& uuid_;
    const std::string& now_;
    const detail::ResponseScope* current_;
    int attempt_;
};

std::string make_uuid(std::mt19937_64& rng) {
    const std::uint64_t a = rng();
    const std::uint64_t b = rng();
    // RFC 4122 version 4, variant 1.
    const std::uint64_t hi = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
    const std::uint64_t lo = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF,
                       lo >> 48, lo & 0xFFFFFFFFFFFFULL);
}

/// One run: walks the steps; handlers hold it by shared_ptr.
struct ScenarioRun : std::enable_shared_from_this<ScenarioRun> {
    ScenarioRun(ProbeContext& c, const config::ProbeConfig& cfg, const std::vector<CompiledStep>& s,
                const std::map<std::string, std::string>& e, std::string id, const ScenarioObserver& o,
                Probe::Done d)
        : ctx(c), config(cfg), steps(s), env(e), uuid(std::move(id)), observer(o), timer(c.executor),
          done(std::move(d)) {}

    ProbeContext& ctx;
    const config::ProbeConfig& config;
    const std::vector<CompiledStep>& steps;
    const std::map<std::string, std::string>& env;
    std::string uuid;
    const ScenarioObserver& observer;
    std::string now;
    boost::asio::steady_timer timer;
    Probe::Done done;
    std::map<std::string, std::unique_ptr<StepData>> data;
    ProbeResult result;
    Clock::time_point start = Clock::now();
    Clock::time_point step_start{};
    std::size_t index = 0;
    int attempt = 0;  // requests sent for this step
    int poll = 0;     // `until` polls of this step, from 1: `{{ attempt }}`
    int retried = 0;  // failed exchanges sent again
    bool failed = false;

    void begin() {
        result.probe = config.id;
        result.provider = config.provider;
        result.started = ctx.clock.now();
        now = core::format_rfc3339(result.started);
        result.success = true;
        next_step();
    }

    core::Duration remaining() const {
        return config.timeout - std::chrono::duration_cast<core::Duration>(Clock::now() - start);
    }

    void next_step() {
        // After a failure only clean-up steps run; the others are reported as skipped.
        while (index < steps.size() && failed && !steps[index].config->always_run) {
            StepResult s;
            s.name = steps[index].config->name;
            s.skipped = true;
            s.message = "skipped: an earlier step failed";
            result.steps.push_back(std::move(s));
            ++index;
        }
        if (index >= steps.size()) {
            finish();
            return;
        }
        attempt = 0;
        poll = 1;
        retried = 0;
        step_start = Clock::now();
        send();
    }

    void send() {
        const CompiledStep& step = steps[index];
        ++attempt;
        const ScenarioScope scope(data, env, uuid, now, nullptr, poll);
        core::HttpRequest req =
            detail::base_request(config, config.options.get<ScenarioOptions>().transport);
        req.method = step.config->method;
        auto url = step.url.render(scope);
        if (!url) return step_failed("assertion", url.error().message, nullptr);
        req.url = std::move(*url);
        for (const auto& [name, tmpl] : step.headers) {
            auto value = tmpl.render(scope);
            if (!value) return step_failed("assertion", value.error().message, nullptr);
            // A value taken from a response must not add header lines of its own.
            if (value->find_first_of(std::string_view{"\r\n\0", 3}) != std::string::npos) {
                return step_failed("assertion",
                                   fmt::format("header {}: the value holds a line break or NUL",
                                               name),
                                   nullptr);
            }
            req.headers.emplace_back(name, std::move(*value));
        }
        auto body = step.body.render(scope);
        if (!body) return step_failed("assertion", body.error().message, nullptr);
        req.body = std::move(*body);
        const auto left = remaining();
        if (left <= core::Duration::zero()) {
            return step_failed("timeout", fmt::format("timeout: the scenario ran out of its {}",
                                                      core::format_duration(config.timeout)),
                               nullptr);
        }
        req.timeout = step.config->timeout > core::Duration::zero() ? std::min(left, step.config->timeout) : left;
        detail::async_exchange(ctx, config, std::move(req), step.config->auth,
                               [self = shared_from_this()](detail::Exchanged x) {
                                   // Continue on the executor: polling timers live there.
                                   boost::asio::post(self->ctx.executor, [self, x = std::move(x)]() mutable {
                                       self->on_response(std::move(x));
                                   });
                               });
    }

    void on_response(detail::Exchanged x) {
        const CompiledStep& step = steps[index];
        auto stored = std::make_unique<StepData>();
        stored->response = std::move(x.response);
        const auto now_point = ctx.clock.now();
        stored->scope = std::make_unique<detail::ResponseScope>(stored->response, now_point);
        x.response = stored->response;  // judge() reads it; StepData keeps its own copy

        ProbeResult judged;
        config::ProbeConfig view;
        const std::vector<StatusRange> expected =
            step.status_asserted ? std::vector<StatusRange>{} : std::vector<StatusRange>{{200, 299}};
        view.auth = step.config->auth ? config.auth : std::nullopt;
        // Expectations may use steps.* and env.*: judge with the scenario scope.
        judged.http_status = x.response.status;
        // Transport, auth and status first; expectations below need the scenario scope.
        detail::judge(x, view, expected, empty_checks(), now_point, judged);
        if (judged.success) {
            const ScenarioScope scope(data, env, uuid, now, stored->scope.get(), poll);
            for (const auto& e : step.checks.expect) {
                if (auto why = e.check(scope)) {
                    judged.success = false;
                    judged.failure_reason = "assertion";
                    judged.message = *why;
                    break;
                }
            }
            if (judged.success) {
                for (const auto& e : step.checks.extract) {
                    const Value v = e.program.evaluate(scope);
                    auto n = detail::to_number(v);
                    if (!n) {
                        judged.success = false;
                        judged.failure_reason = "extraction";
                        judged.message = fmt::format("extract {}: {}", e.name,
                                                     v.type == Value::Type::missing ? v.why : "not a number: " + detail::describe(v));
                        break;
                    }
                    judged.values.push_back({e.name, *n});
                }
            }
            if (judged.success && step.until) {
                if (auto why = step.until->check(scope)) {
                    if (poll < step.config->attempts) {
                        if (observer) observer(step.config->name, stored->response, true);
                        ++poll;
                        // Not there yet: ask again after poll_interval, within the deadline.
                        const auto wait = std::min(step.config->poll_interval, remaining());
                        timer.expires_after(wait);
                        timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
                            if (ec) return;
                            self->send();
                        });
                        return;
                    }
                    judged.success = false;
                    judged.failure_reason = "assertion";
                    judged.message = fmt::format("until {} not met after {} attempts", *why, poll);
                }
            }
        } else if (retried < step.config->retries && remaining() > core::Duration::zero()) {
            // A failed exchange (not a failed expectation) is sent again at once.
            if (observer) observer(step.config->name, stored->response, false);
            ++retried;
            send();
            return;
        }
        if (observer) observer(step.config->name, stored->response, judged.success);
        data[step.config->name] = std::move(stored);
        if (!judged.success) {
            step_failed(judged.failure_reason, judged.message, &judged);
            return;
        }
        StepResult s = step_result(judged);
        s.success = true;
        result.steps.push_back(std::move(s));
        for (auto& v : judged.values) result.values.push_back(std::move(v));
        result.timings = judged.timings;
        if (judged.certificate) result.certificate = judged.certificate;
        ++index;
        next_step();
    }

    StepResult step_result(const ProbeResult& judged) const {
        StepResult s;
        s.name = steps[index].config->name;
        s.http_status = judged.http_status;
        s.attempts = attempt;
        s.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - step_start);
        s.failure_reason = judged.failure_reason;
        s.message = judged.message;
        return s;
    }

    void step_failed(const std::string& reason, const std::string& message, const ProbeResult* judged) {
        ProbeResult empty;
        StepResult s = step_result(judged != nullptr ? *judged : empty);
        s.failure_reason = reason;
        s.message = message;
        if (!failed) {
            failed = true;
            result.success = false;
            result.failure_reason = reason;
            result.message = fmt::format("step {}: {}", s.name, message);
            if (judged != nullptr) {
                result.http_status = judged->http_status;
                result.timings = judged->timings;
            }
        }
        result.steps.push_back(std::move(s));
        ++index;
        next_step();
    }

    void finish() {
        result.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
        if (!result.success) result.values.clear();  // values of a failed run are not trusted
        auto d = std::move(done);
        d(std::move(result));
    }

    static const detail::Checks& empty_checks() {
        static const detail::Checks none;
        return none;
    }
};

class ScenarioProbe final : public Probe {
public:
    ScenarioProbe(config::ProbeConfig c, ProbeContext& ctx, std::vector<CompiledStep> steps,
                  std::map<std::string, std::string> env, ScenarioObserver observer)
        : config_(std::move(c)), ctx_(ctx), steps_(std::move(steps)), env_(std::move(env)),
          observer_(std::move(observer)), rng_(std::random_device{}()) {}
    const config::ProbeConfig& config() const override { return config_; }
    void async_run(Done done) override {
        auto run = std::make_shared<ScenarioRun>(ctx_, config_, steps_, env_, make_uuid(rng_), observer_,
                                                 std::move(done));
        run->begin();
    }

private:
    config::ProbeConfig config_;
    ProbeContext ctx_;
    std::vector<CompiledStep> steps_;
    std::map<std::string, std::string> env_;
    ScenarioObserver observer_;
    std::mt19937_64 rng_;
};

void collect_env(const config::expr::Node& n, std::set<std::string>& out) {
    if (n.kind == config::expr::Node::Kind::path && n.path.front().key == "env" && n.path.size() == 2) {
        out.insert(n.path[1].key);
    }
    for (const auto& c : n.children) collect_env(*c, out);
}

void collect_env(const CompiledTemplate& t, std::set<std::string>& out) {
    for (const auto& p : t.parts) {
        if (p.program) collect_env(p.program->expression().root(), out);
    }
}

}  // namespace

core::Result<std::unique_ptr<Probe>> make_scenario_probe(config::ProbeConfig c, ProbeContext& ctx,
                                                         ScenarioObserver observer) {
        if (!ctx.executor) return core::fail(core::Errc::invalid_argument, "scenario probes need an executor");
        std::vector<CompiledStep> steps;
        std::set<std::string> env_names;
        // The compiled steps point into the options, which moving `c` does not move.
        for (const auto& s : c.options.get<ScenarioOptions>().steps) {
            CompiledStep step;
            step.config = &s;
            auto url = CompiledTemplate::compile(s.url);
            if (!url) return std::unexpected(url.error());
            step.url = std::move(*url);
            collect_env(step.url, env_names);
            for (const auto& [name, value] : s.headers) {
                auto t = CompiledTemplate::compile(value);
                if (!t) return std::unexpected(t.error());
                collect_env(*t, env_names);
                step.headers.emplace_back(name, std::move(*t));
            }
            auto body = CompiledTemplate::compile(s.body);
            if (!body) return std::unexpected(body.error());
            step.body = std::move(*body);
            collect_env(step.body, env_names);
            auto checks = detail::Checks::compile(s.expect, s.extract, {});
            if (!checks) return std::unexpected(checks.error());
            step.checks = std::move(*checks);
            for (const auto& e : step.checks.expect) {
                const auto roots = e.expression().roots();
                step.status_asserted = step.status_asserted || std::find(roots.begin(), roots.end(), "status") != roots.end();
                collect_env(e.expression().root(), env_names);
            }
            if (!s.until.empty()) {
                auto u = Program::compile(s.until);
                if (!u) return std::unexpected(u.error());
                step.until = std::move(*u);
            }
            steps.push_back(std::move(step));
        }
        // The environment is read once, here (probe creation runs at load/reload), not per run.
        std::map<std::string, std::string> env;
        for (const auto& name : env_names) {
            if (const char* v = std::getenv(name.c_str())) env.emplace(name, v);  // NOLINT(concurrency-mt-unsafe)
        }
        return std::make_unique<ScenarioProbe>(std::move(c), ctx, std::move(steps), std::move(env),
                                               std::move(observer));
}

namespace {

class ScenarioFactory final : public ProbeFactory {
public:
    // ProbeFactory
    std::string_view kind() const override { return "scenario"; }
    std::span<const std::string_view> keys() const override { return kScenarioKeys; }
    config::KindOptions parse(const config::Section& s, const config::ProbeConfig& common,
                              const config::ProviderConfig* provider) const override {
        return parse_scenario(s, common, provider);
    }
    core::Result<std::unique_ptr<Probe>> create(config::ProbeConfig c, ProbeContext& ctx) const override {
        return make_scenario_probe(std::move(c), ctx, {});
    }
};

}  // namespace

std::unique_ptr<ProbeFactory> make_scenario_factory() { return std::make_unique<ScenarioFactory>(); }

}  // namespace noctua::probes
