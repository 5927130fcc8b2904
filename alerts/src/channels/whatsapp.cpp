// whatsapp: an approved template message to each number in `to`, through Meta's Cloud API
// (provider = "meta") or Twilio's Messages API (provider = "twilio"). Alerts reach people
// outside the 24-hour customer-service window, so only templates are sent. The template has
// three text variables: {{1}} the headline, {{2}} since when, how bad and the likely cause,
// {{3}} the runbook or dashboard link; each is one line (Meta refuses new lines in variables)
// of at most 1,000 characters.
//
// A notification is delivered when every number has it; a retry sends only to the numbers
// that do not have it yet.
#include <mutex>
#include <set>

#include <fmt/format.h>
#include <simdjson.h>

#include "channels/kinds.hpp"
#include "channels/message.hpp"
#include "noctua/core/base64.hpp"
#include "noctua/core/json.hpp"

namespace noctua::alerts::detail {
namespace {

constexpr std::string_view kGraph = "https://graph.facebook.com/v23.0";
constexpr std::string_view kTwilio = "https://api.twilio.com";
constexpr std::size_t kVariableMax = 1000;

/// One line: new lines and tabs become " · " and runs of spaces one space.
std::string one_line(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '\n' || c == '\t' || c == '\r') {
            out += " · ";
        } else if (c == ' ' && out.ends_with(' ')) {
            continue;
        } else {
            out += c;
        }
    }
    return cut_chars(out, kVariableMax);
}

std::vector<std::string> variables(const Notification& n) {
    const Message m = compose(n);
    std::string detail = m.since;
    if (!m.how_bad.empty()) detail += " " + m.how_bad;
    if (!m.cause.empty()) detail += " " + m.cause;
    std::string link = !m.runbook_url.empty() ? m.runbook_url : m.dashboard_url;
    if (link.empty()) link = "-";
    return {one_line(m.headline), one_line(detail), one_line(link)};
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out;
    for (const auto& [k, v] : fields) {
        if (!out.empty()) out += '&';
        out += percent_encode(k) + "=" + percent_encode(v);
    }
    return out;
}

class WhatsAppChannel final : public HttpChannel {
public:
    WhatsAppChannel(config::ReceiverConfig c, ChannelContext& ctx)
        : HttpChannel(std::move(c), ctx) {}

protected:
    // ChannelBase
    void do_deliver(const Notification& n, Done done) override {
        std::vector<std::size_t> pending;
        {
            std::lock_guard lock(sent_->mutex);
            const auto& have = sent_->numbers[n.id];
            for (std::size_t i = 0; i < config().to.size(); ++i) {
                if (!have.contains(i)) pending.push_back(i);
            }
        }
        // The numbers are sent to at once; the last answer decides.
        auto attempt = std::make_shared<Attempt>();
        attempt->id = n.id;
        attempt->remaining = pending.size();
        attempt->sent = sent_;
        attempt->done = std::move(done);
        if (pending.empty()) {
            attempt->finish();
            return;
        }
        const auto vars = variables(n);
        const bool twilio = config().provider == "twilio";
        for (std::size_t i : pending) {
            send(request(config().to[i], vars), twilio ? classify_twilio : classify_meta,
                 [attempt, i](DeliveryOutcome o) { attempt->answer(i, std::move(o)); });
        }
    }

private:
    /// Which numbers have which notification; shared with attempts that outlive the channel.
    struct Sent {
        std::mutex mutex;  // guards numbers
        std::map<std::uint64_t, std::set<std::size_t>> numbers;
    };

    /// One attempt to the numbers that lack the notification. Thread-safe.
    struct Attempt {
        std::mutex mutex;  // guards remaining and worst
        std::uint64_t id = 0;
        std::size_t remaining = 0;
        std::optional<DeliveryOutcome> worst;
        std::shared_ptr<Sent> sent;
        Done done;

        void answer(std::size_t number, DeliveryOutcome o) {
            {
                std::lock_guard lock(mutex);
                if (o.kind == DeliveryOutcome::Kind::delivered) {
                    std::lock_guard sent_lock(sent->mutex);
                    sent->numbers[id].insert(number);
                } else if (!worst || worst->kind == DeliveryOutcome::Kind::retry) {
                    // A final failure outweighs a retry: resending cannot help it.
                    worst = std::move(o);
                }
                if (--remaining > 0) return;
            }
            finish();
        }
        void finish() {
            auto outcome = worst.value_or(DeliveryOutcome::delivered());
            // Forget the notification once it is done, whichever way.
            if (outcome.kind != DeliveryOutcome::Kind::retry) {
                std::lock_guard lock(sent->mutex);
                sent->numbers.erase(id);
            }
            done(std::move(outcome));
        }
    };

    core::HttpRequest request(const std::string& to, const std::vector<std::string>& vars) const {
        const auto& c = config();
        if (c.provider == "twilio") {
            core::JsonWriter cv;
            cv.begin_object();
            for (std::size_t k = 0; k < vars.size(); ++k) cv.field(std::to_string(k + 1), vars[k]);
            cv.end_object();
            const std::string base = c.url ? c.url->reveal() : std::string(kTwilio);
            auto req = post(base + "/2010-04-01/Accounts/" + c.account_sid + "/Messages.json",
                            form_encode({{"To", "whatsapp:" + to},
                                         {"From", "whatsapp:" + c.from},
                                         {"ContentSid", c.template_name},
                                         {"ContentVariables", std::move(cv).str()}}),
                            "application/x-www-form-urlencoded");
            req.headers.emplace_back(
                "Authorization",
                "Basic " + core::base64_encode(c.account_sid + ":" + c.credential->reveal()));
            return req;
        }
        core::JsonWriter w;
        w.begin_object().field("messaging_product", "whatsapp");
        w.field("recipient_type", "individual").field("to", to).field("type", "template");
        w.key("template").begin_object().field("name", c.template_name);
        w.key("language").begin_object().field("code", c.language).end_object();
        w.key("components").begin_array().begin_object().field("type", "body");
        w.key("parameters").begin_array();
        for (const auto& v : vars) {
            w.begin_object().field("type", "text").field("text", v).end_object();
        }
        w.end_array().end_object().end_array().end_object().end_object();
        const std::string base = c.url ? c.url->reveal() : std::string(kGraph);
        auto req = post(base + "/" + c.phone_number_id + "/messages", std::move(w).str(),
                        "application/json");
        req.headers.emplace_back("Authorization", "Bearer " + c.credential->reveal());
        return req;
    }

    static DeliveryOutcome classify_meta(const core::HttpResponse& r) {
        simdjson::dom::parser parser;
        simdjson::dom::element doc;
        const bool json = parser.parse(r.body).get(doc) == simdjson::SUCCESS;
        std::string_view wamid;
        if (r.status == 200 && json &&
            doc["messages"].at(0)["id"].get(wamid) == simdjson::SUCCESS) {
            return DeliveryOutcome::delivered();
        }
        std::int64_t code = 0;
        std::string_view message;
        if (json) {
            if (doc["error"]["code"].get(code) != simdjson::SUCCESS) code = 0;
            if (doc["error"]["message"].get(message) != simdjson::SUCCESS) message = {};
        }
        const std::string msg = fmt::format("whatsapp answered {} (code {}): {}", r.status, code,
                                            json ? std::string(message) : body_excerpt(r.body));
        // Meta's rate limits: app (4), account (80007), throughput (130429), pair (131056).
        if (r.status == 429 || r.status >= 500 || code == 4 || code == 80007 || code == 130429 ||
            code == 131056) {
            return DeliveryOutcome::retry(msg);
        }
        return DeliveryOutcome::failed(msg);
    }

    static DeliveryOutcome classify_twilio(const core::HttpResponse& r) {
        if (auto retry = retry_on_429_or_5xx(r, "twilio")) return *retry;
        if (r.status == 201) return DeliveryOutcome::delivered();
        return DeliveryOutcome::failed(
            fmt::format("twilio answered {}: {}", r.status, body_excerpt(r.body)));
    }

    std::shared_ptr<Sent> sent_ = std::make_shared<Sent>();
};

class WhatsAppFactory final : public ChannelFactory {
public:
    std::string_view kind() const override { return "whatsapp"; }
    core::Result<std::unique_ptr<ChannelBase>> create(const config::ReceiverConfig& c,
                                                      ChannelContext& ctx) const override {
        const bool twilio = c.provider == "twilio";
        if (!c.credential || c.credential->empty() || c.to.empty() || c.template_name.empty() ||
            (twilio ? c.account_sid.empty() || c.from.empty() : c.phone_number_id.empty())) {
            return core::fail(core::Errc::invalid_argument,
                              "whatsapp receiver \"" + c.name +
                                  "\" needs a token, to, template and " +
                                  (twilio ? "account_sid and from" : "phone_number_id"));
        }
        return std::make_unique<WhatsAppChannel>(c, ctx);
    }
};

}  // namespace

std::unique_ptr<ChannelFactory> make_whatsapp_factory() {
    return std::make_unique<WhatsAppFactory>();
}

}  // namespace noctua::alerts::detail
