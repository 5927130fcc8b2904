// The `reloadly` status-test kind: a provider's daily end-to-end check (authenticate, balance,
// the whole paged catalogue, a sandbox top-up, its status) as scenario steps, run by the
// scenario machinery (make_scenario_probe) with an observer that keeps every catalogue page
// and the answer of a failing step, so a failure names the provider's error code.
#include <map>

#include <fmt/format.h>
#include <simdjson.h>

#include "kinds.hpp"
#include "noctua/config/suite_kind.hpp"
#include "noctua/core/json.hpp"
#include "noctua/probes/kinds/scenario.hpp"
#include "noctua/probes/status_test.hpp"
#include "noctua/probes/suites/reloadly.hpp"

namespace noctua::probes {
namespace {

constexpr const char* kAccept = "application/com.reloadly.topups-v1+json";

/// The keys a reloadly entry reads beyond the common ones: its steps' and its own.
constexpr std::string_view kKeys[] = {"max_pages",       "min_balance",          "page_size",
                                      "phone",           "retries",              "status_attempts",
                                      "status_poll_interval", "step", "steps", "timeout"};

std::string number_text(double v) { return fmt::format("{:g}", v); }

/// The operators of one Spring page (`content`), with their price lists.
void read_page(std::string_view body, std::vector<CatalogueItem>& out) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) return;
    simdjson::dom::array content;
    if (doc["content"].get_array().get(content) != simdjson::SUCCESS) return;
    for (auto op : content) {
        CatalogueItem item;
        std::int64_t id = 0;
        if (op["id"].get_int64().get(id) == simdjson::SUCCESS) item.id = std::to_string(id);
        std::string_view text;
        if (op["name"].get_string().get(text) == simdjson::SUCCESS) item.name = std::string(text);
        if (op["country"]["isoName"].get_string().get(text) == simdjson::SUCCESS) item.country = std::string(text);
        std::string currency;
        if (op["senderCurrencyCode"].get_string().get(text) == simdjson::SUCCESS) currency = std::string(text);
        std::string_view type;
        if (op["denominationType"].get_string().get(type) != simdjson::SUCCESS) type = {};
        if (type == "FIXED") {
            std::string list;
            simdjson::dom::array amounts;
            if (op["fixedAmounts"].get_array().get(amounts) == simdjson::SUCCESS) {
                for (auto a : amounts) {
                    double v = 0;
                    if (a.get_double().get(v) != simdjson::SUCCESS) continue;
                    if (!list.empty()) list += ", ";
                    list += number_text(v);
                }
            }
            item.prices = list + " " + currency;
        } else {
            double lo = 0;
            double hi = 0;
            if (op["minAmount"].get_double().get(lo) != simdjson::SUCCESS) lo = {};
            if (op["maxAmount"].get_double().get(hi) != simdjson::SUCCESS) hi = {};
            item.prices = fmt::format("{}-{} {}", number_text(lo), number_text(hi), currency);
        }
        out.push_back(std::move(item));
    }
}

/// "OPERATOR_UNAVAILABLE_OR_CURRENTLY_INACTIVE: The operator is …" from an error body, or "".
std::string provider_error(std::string_view body) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) return {};
    std::string_view code;
    std::string_view message;
    if (doc["errorCode"].get_string().get(code) != simdjson::SUCCESS) code = {};
    if (doc["message"].get_string().get(message) != simdjson::SUCCESS) message = {};
    if (code.empty() && message.empty()) return {};
    if (code.empty()) return std::string(message);
    if (message.empty()) return std::string(code);
    return fmt::format("{}: {}", code, message);
}

class ReloadlySuite final : public Suite {
public:
    explicit ReloadlySuite(config::StatusTestConfig c)
        : config_(std::move(c)), options_(config_.options.get<ReloadlyOptions>()) {}

    core::Result<void> build(ProbeContext& ctx) {
        config::ProbeConfig p;
        p.id = config_.id;
        p.provider = config_.provider;
        p.kind = "scenario";
        p.auth = config_.auth;
        // The steps bound themselves; this only stops a run that polls for too long.
        p.timeout = std::chrono::minutes(30);
        ScenarioOptions scenario;
        bool have_catalogue = false;
        bool have_transaction = false;
        for (const auto& st : config_.steps) {
            ScenarioStep step;
            step.name = st.name;
            step.retries = st.retries;
            step.timeout = st.timeout;
            step.headers = {{"Accept", kAccept}};
            const std::string& base = config_.base_url;
            if (st.name == "authenticate") {
                const config::AuthConfig* auth = config_.auth ? &*config_.auth : nullptr;
                if (auth == nullptr || auth->type != "oauth2_client_credentials") {
                    return core::fail(core::Errc::invalid_argument,
                                      "step authenticate needs the provider's auth type "
                                      "oauth2_client_credentials");
                }
                core::JsonWriter body;
                body.begin_object()
                    .field("client_id", auth->client_id ? auth->client_id->reveal() : "")
                    .field("client_secret", auth->client_secret ? auth->client_secret->reveal() : "")
                    .field("grant_type", "client_credentials")
                    .field("audience", auth->audience)
                    .end_object();
                step.method = "POST";
                step.url = auth->token_url;
                step.body = std::move(body).str();
                step.auth = false;
                step.headers = {{"Accept", "application/json"}, {"Content-Type", "application/json"}};
                step.expect = {"exists(body.access_token)"};
            } else if (st.name == "balance") {
                step.url = base + "/accounts/balance";
                step.expect = {fmt::format("body.balance > {}", number_text(options_.min_balance))};
                step.extract = {{"balance", "body.balance"}};
            } else if (st.name == "catalogue") {
                // One request per page: {{ attempt }} counts the polls until the last page.
                step.url = fmt::format("{}/operators?size={}&page={{{{ attempt }}}}", base,
                                       options_.page_size);
                step.expect = {"exists(body.content)"};
                step.until = "body.last == true";
                step.attempts = options_.max_pages;
                step.poll_interval = core::Duration::zero();
                have_catalogue = true;
            } else if (st.name == "transaction") {
                if (!have_catalogue) {
                    return core::fail(core::Errc::invalid_argument,
                                      "step transaction needs the catalogue step before it (it tops up "
                                      "an operator read there)");
                }
                step.method = "POST";
                step.url = base + "/topups";
                step.headers.emplace_back("Content-Type", "application/json");
                step.body = fmt::format(
                    R"({{"operatorId": {{{{ steps.catalogue.body.content[0].id }}}}, )"
                    R"("amount": {{{{ steps.catalogue.body.content[0].mostPopularAmount }}}}, "useLocalAmount": false, )"
                    R"("customIdentifier": "noctua-status-{{{{ uuid }}}}", "recipientPhone": {{"number": "{}"}}}})",
                    options_.phone);
                step.expect = {"exists(body.transactionId)"};
                have_transaction = true;
            } else if (st.name == "status") {
                if (!have_transaction) {
                    return core::fail(core::Errc::invalid_argument,
                                      "step status needs the transaction step before it");
                }
                step.url = base + "/topups/{{ steps.transaction.body.transactionId }}/status";
                step.expect = {"body.status in ['PROCESSING', 'SUCCESSFUL']"};
                step.until = "body.status == 'SUCCESSFUL'";
                step.attempts = options_.status_attempts;
                step.poll_interval = options_.status_poll_interval;
            } else {
                return core::fail(core::Errc::invalid_argument, fmt::format("unknown step \"{}\"", st.name));
            }
            scenario.steps.push_back(std::move(step));
        }
        p.options = config::KindOptions::of(std::move(scenario));
        auto probe = make_scenario_probe(std::move(p), ctx,
                                         [this](const std::string& step, const core::HttpResponse& r, bool accepted) {
                                             observe(step, r, accepted);
                                         });
        if (!probe) return std::unexpected(probe.error());
        probe_ = std::move(*probe);
        return {};
    }

    // Suite
    const config::StatusTestConfig& config() const override { return config_; }

    void async_run(Done done) override {
        items_.clear();
        errors_.clear();
        currency_.clear();
        probe_->async_run([this, done = std::move(done)](ProbeResult r) { done(finish(std::move(r))); });
    }

private:
    void observe(const std::string& step, const core::HttpResponse& r, bool accepted) {
        if (!accepted) {
            errors_[step] = provider_error(r.body);
            return;
        }
        errors_.erase(step);
        if (step == "catalogue") read_page(r.body, items_);
        if (step == "balance") {
            simdjson::dom::parser parser;
            simdjson::dom::element doc;
            std::string_view code;
            if (parser.parse(r.body).get(doc) == simdjson::SUCCESS &&
                doc["currencyCode"].get_string().get(code) == simdjson::SUCCESS) {
                currency_ = std::string(code);
            }
        }
    }

    SuiteResult finish(ProbeResult r) {
        SuiteResult out;
        out.suite = config_.id;
        out.provider = config_.provider;
        out.provider_name = config_.provider_name.empty() ? config_.provider : config_.provider_name;
        out.started = r.started;
        out.duration = r.duration;
        out.success = r.success;
        out.steps = std::move(r.steps);
        for (auto& s : out.steps) {
            if (s.success || s.skipped) continue;
            // The provider's own words for a refusal, beside what the check saw.
            if (auto it = errors_.find(s.name); it != errors_.end() && !it->second.empty()) {
                s.message = fmt::format("{} ({})", it->second, s.message);
            }
            if (out.failed_step.empty()) {
                out.failed_step = s.name;
                out.reason = s.failure_reason;
                out.message = s.message;
            }
        }
        for (const auto& v : r.values) {
            if (v.name == "balance") out.balance = v.value;
        }
        out.currency = currency_;
        const bool catalogue_read = std::any_of(out.steps.begin(), out.steps.end(), [](const StepResult& s) {
            return s.name == "catalogue" && s.success;
        });
        if (catalogue_read) {
            std::sort(items_.begin(), items_.end(), [](const CatalogueItem& a, const CatalogueItem& b) {
                return std::tie(a.name, a.id) < std::tie(b.name, b.id);
            });
            out.catalogue = std::move(items_);
        }
        return out;
    }

    config::StatusTestConfig config_;
    ReloadlyOptions options_;
    std::unique_ptr<Probe> probe_;
    // Per run (runs do not overlap); written by the observer on the run's executor.
    std::vector<CatalogueItem> items_;
    std::map<std::string, std::string> errors_;
    std::string currency_;
};

class ReloadlyFactory final : public SuiteFactory {
public:
    std::string_view kind() const override { return "reloadly"; }
    std::span<const std::string_view> keys() const override { return kKeys; }
    config::KindOptions parse(const config::Section& s,
                              config::StatusTestConfig& common) const override {
        ReloadlyOptions out;
        s.read_string("phone", out.phone);
        s.read_number("min_balance", out.min_balance, 0, 1e15);
        s.read_int("page_size", out.page_size, 1, 1000);
        s.read_int("max_pages", out.max_pages, 1, 10000);
        s.read_int("status_attempts", out.status_attempts, 1, 1000);
        s.read_positive_duration("status_poll_interval", out.status_poll_interval);
        common.steps = config::read_suite_steps(s, kReloadlySteps);
        return config::KindOptions::of(std::move(out));
    }
    core::Result<std::unique_ptr<Suite>> create(config::StatusTestConfig c, ProbeContext& ctx) const override {
        if (c.steps.empty()) {
            return core::fail(core::Errc::invalid_argument,
                              fmt::format("reloadly status test \"{}\" needs its steps", c.id));
        }
        auto suite = std::make_unique<ReloadlySuite>(std::move(c));
        if (auto r = suite->build(ctx); !r) {
            return core::fail(r.error().code, fmt::format("status test {}: {}", suite->config().id, r.error().message));
        }
        return std::unique_ptr<Suite>(std::move(suite));
    }
};

}  // namespace

void register_builtin_suites(SuiteRegistry& registry) {
    registry.add(std::make_unique<ReloadlyFactory>());
}

}  // namespace noctua::probes
