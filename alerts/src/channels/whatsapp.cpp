// whatsapp: an approved template message to each number in `to`, through Meta's Cloud API
// (provider = "meta") or Twilio's Messages API (provider = "twilio"). Alerts reach people
// outside the 24-hour customer-service window, so only templates are sent. The template has
// three text variables: {{1}} the headline, {{2}} since when, how bad and the likely cause,
// {{3}} the runbook or dashboard link; each is one line (Meta refuses new lines in variables)
// of at most 1,000 characters.
//
// A notification is delivered when every number has it; a retry sends only to the numbers
// that do not have it yet.
#include <algorithm>
#include <mutex>
#include <set>

#include <fmt/format.h>
#include <simdjson.h>

#include "channels/kinds.hpp"
#include "channels/message.hpp"
#include "noctua/alerts/channels/whatsapp.hpp"
#include "noctua/config/receiver_kind.hpp"
#include "noctua/core/base64.hpp"
#include "noctua/core/json.hpp"

namespace noctua::alerts::detail {
namespace {

constexpr std::string_view kGraph = "https://graph.facebook.com/v23.0";
constexpr std::string_view kTwilio = "https://api.twilio.com";
constexpr std::size_t kVariableMax = 1000;

bool is_e164(std::string_view n) {
    return n.size() >= 8 && n.size() <= 16 && n.front() == '+' &&
           std::all_of(n.begin() + 1, n.end(), [](char c) { return c >= '0' && c <= '9'; });
}

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
    using HttpChannel::HttpChannel;

protected:
    // ChannelBase
    void do_deliver(const Notification& n, Done done) override {
        std::vector<std::size_t> pending;
        {
            std::lock_guard lock(sent_->mutex);
            const auto& have = sent_->numbers[n.id];
            for (std::size_t i = 0; i < options().to.size(); ++i) {
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
        const bool twilio = options().provider == "twilio";
        for (std::size_t i : pending) {
            send(request(options().to[i], vars), twilio ? classify_twilio : classify_meta,
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

    const WhatsAppOptions& options() const { return config().options.get<WhatsAppOptions>(); }

    core::HttpRequest request(const std::string& to, const std::vector<std::string>& vars) const {
        const auto& c = options();
        if (c.provider == "twilio") {
            core::JsonWriter cv;
            cv.begin_object();
            for (std::size_t k = 0; k < vars.size(); ++k) cv.field(std::to_string(k + 1), vars[k]);
            cv.end_object();
            const auto& url = config().url;
            const std::string base = url ? url->reveal() : std::string(kTwilio);
            auto req = post(base + "/2010-04-01/Accounts/" + c.account_sid + "/Messages.json",
                            form_encode({{"To", "whatsapp:" + to},
                                         {"From", "whatsapp:" + c.from},
                                         {"ContentSid", c.template_name},
                                         {"ContentVariables", std::move(cv).str()}}),
                            "application/x-www-form-urlencoded");
            req.headers.emplace_back(
                "Authorization",
                "Basic " + core::base64_encode(c.account_sid + ":" + c.token->reveal()));
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
        const auto& url = config().url;
        const std::string base = url ? url->reveal() : std::string(kGraph);
        auto req = post(base + "/" + c.phone_number_id + "/messages", std::move(w).str(),
                        "application/json");
        req.headers.emplace_back("Authorization", "Bearer " + c.token->reveal());
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
        return classify_answer(r, "twilio", r.status == 201);
    }

    std::shared_ptr<Sent> sent_ = std::make_shared<Sent>();
};

config::KindOptions parse(const config::Section& s, config::ReceiverConfig& common) {
    WhatsAppOptions out;
    s.read_string("provider", out.provider);
    const bool twilio = out.provider == "twilio";
    constexpr std::string_view kOwn[] = {"provider",        "to",       "from",    "account_sid",
                                         "phone_number_id", "template", "language"};
    const std::string_view token_key = twilio ? "auth_token" : "access_token";
    config::check_receiver_keys(s, kOwn, std::span(&token_key, 1));
    config::check_receiver_url(s, common, config::UrlUse::optional);
    out.token = config::read_receiver_secret(s, common, token_key, true);
    if (out.provider != "meta" && !twilio) {
        s.error("provider", fmt::format("unknown whatsapp provider {} (known: meta, twilio)",
                                        config::quoted(out.provider)));
    }
    if (s.require("to") && s.read_string_list("to", out.to)) {
        if (out.to.empty()) s.error("to", "must name at least one number");
        for (const auto& n : out.to) {
            if (!is_e164(n)) {
                s.error("to", fmt::format("{} is not an E.164 number", config::quoted(n)));
            }
        }
    }
    if (s.require("template")) s.read_string("template", out.template_name);
    s.read_string("language", out.language);
    if (twilio) {
        if (s.require("account_sid")) s.read_string("account_sid", out.account_sid);
        if (s.require("from")) s.read_string("from", out.from);
        for (std::string_view key : {"phone_number_id", "language"}) {
            if (s.contains(key)) s.error(key, "only for provider = \"meta\"");
        }
    } else {
        if (s.require("phone_number_id")) s.read_string("phone_number_id", out.phone_number_id);
        for (std::string_view key : {"account_sid", "from"}) {
            if (s.contains(key)) s.error(key, "only for provider = \"twilio\"");
        }
    }
    return config::KindOptions::of(std::move(out));
}

core::Result<std::unique_ptr<ChannelBase>> create(const config::ReceiverConfig& c,
                                                  ChannelContext& ctx) {
    const auto& o = c.options.get<WhatsAppOptions>();
    const bool twilio = o.provider == "twilio";
    if (!o.token || o.token->empty() || o.to.empty() || o.template_name.empty() ||
        (twilio ? o.account_sid.empty() || o.from.empty() : o.phone_number_id.empty())) {
        return needs(c, std::string("a token, to, template and ") +
                            (twilio ? "account_sid and from" : "phone_number_id"));
    }
    return std::make_unique<WhatsAppChannel>(c, ctx);
}

}  // namespace

std::unique_ptr<ChannelFactory> make_whatsapp_factory() {
    return make_factory({"whatsapp", parse, create});
}

}  // namespace noctua::alerts::detail
