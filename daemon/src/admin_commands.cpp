#include "admin_commands.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <simdjson.h>
#include <boost/asio/io_context.hpp>

#include "flags.hpp"
#include "noctua/config/config.hpp"
#include "noctua/core/clock.hpp"
#include "noctua/core/duration.hpp"
#include "noctua/core/json.hpp"
#include "noctua/core/matcher.hpp"
#include "noctua/daemon/kinds.hpp"
#include "noctua/net/curl_client.hpp"

namespace noctua::daemon {

const std::string_view kAckHelp =
    R"(Usage: noctua ack FINGERPRINT [--author WHO] [--comment TEXT] [connection]

Acknowledges a firing alert (its fingerprint as `noctua alerts` lists it): escalation and
reminders stop for it, and receivers that understand acknowledgements are told.
--author defaults to $USER.
)";

const std::string_view kAlertsHelp = R"(Usage: noctua alerts [connection]

Lists the firing alerts: fingerprint, alert name, since when, who acknowledged it, labels.
)";

const std::string_view kSilenceHelp = R"(Usage:
  noctua silence add MATCHER... (--duration D | --end TIME) [--start TIME] [--author WHO] [--comment TEXT] [connection]
  noctua silence list [connection]
  noctua silence expire ID [connection]

MATCHER is label=value, label!=value, label=~regex or label!~regex (e.g. provider=acme
'alertname=~Traffic.*'). TIME is RFC 3339 (2026-12-03T18:00:00Z); D is a duration (2h).
--author defaults to $USER. `add` prints the new silence's id.
)";

namespace {

constexpr int kOk = 0;
constexpr int kFailure = 1;
constexpr int kUsage = 2;

constexpr std::string_view kConnectionHelp = R"(
Connection:
      --url URL          the daemon (default: http://<server.listen> of -c FILE, else
                         $NOCTUA_URL, else http://127.0.0.1:9464)
  -c, --config FILE      the daemon's config: its listen address and admin token
      --token-file FILE  the admin token, read from FILE (default: $NOCTUA_ADMIN_TOKEN, else
                         the config's admin_token_env / admin_token_file)
  -h, --help             this help
)";

struct Options {
    std::vector<std::string> positional;
    std::map<std::string, std::string, std::less<>> flags;
    bool help = false;
};

int usage(std::string_view msg, std::string_view command) {
    fmt::print(stderr, "noctua: {}\nRun 'noctua {} --help' for usage.\n", msg, command);
    return kUsage;
}

/// Splits flags (`--x v`, `--x=v`) from positional arguments; `known` lists the value flags.
std::optional<int> parse(const std::vector<std::string_view>& args,
                         std::initializer_list<std::string_view> known, std::string_view command,
                         Options& out) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg == "-h" || arg == "--help") {
            out.help = true;
            continue;
        }
        if (!arg.starts_with("-") || arg == "-") {
            out.positional.emplace_back(arg);
            continue;
        }
        const FlagArg flag = split_flag(arg);
        arg = flag.name == "-c" ? "--config" : flag.name;
        if (std::find(known.begin(), known.end(), arg) == known.end() && arg != "--url" &&
            arg != "--config" && arg != "--token-file") {
            return usage(fmt::format("unknown flag \"{}\"", arg), command);
        }
        const auto value = flag_value(flag, args, i);
        if (!value) return usage(fmt::format("{} needs a value", arg), command);
        out.flags[std::string(arg.substr(2))] = std::string(*value);
    }
    return std::nullopt;
}

std::string flag(const Options& o, std::string_view name, std::string fallback = {}) {
    auto it = o.flags.find(name);
    return it == o.flags.end() ? fallback : it->second;
}

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

/// Where the daemon is and how to prove we may write to it.
struct Target {
    std::string url;
    std::string token;
};

core::Result<Target> target(const Options& o) {
    Target t;
    std::optional<config::Config> cfg;
    if (auto path = flag(o, "config"); !path.empty()) {
        auto loaded = config::load_file(path, builtin_kind_parsers());
        if (!loaded) {
            std::string msg = "cannot read the daemon's config:";
            for (const auto& e : loaded.error()) msg += "\n  " + e.to_string();
            return core::fail(core::Errc::invalid_argument, msg);
        }
        cfg = std::move(*loaded);
    }
    t.url = flag(o, "url");
    if (t.url.empty() && cfg) {
        std::string listen = cfg->server.listen;
        // A wildcard listen address is reached on loopback.
        if (listen.starts_with("0.0.0.0:")) listen = "127.0.0.1" + listen.substr(7);
        if (listen.starts_with("[::]:")) listen = "[::1]" + listen.substr(4);
        if (listen.ends_with(":0")) {
            return core::fail(core::Errc::invalid_argument,
                              "the config listens on port 0 (any free port): give --url");
        }
        t.url = "http://" + listen;
    }
    if (t.url.empty()) t.url = env("NOCTUA_URL");
    if (t.url.empty()) t.url = "http://127.0.0.1:9464";
    while (t.url.ends_with('/')) t.url.pop_back();

    if (auto file = flag(o, "token-file"); !file.empty()) {
        std::ifstream in(file, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        if (!in) return core::fail(core::Errc::io, "cannot read the token file " + file);
        t.token = ss.str();
        while (!t.token.empty() && (t.token.back() == '\n' || t.token.back() == '\r')) {
            t.token.pop_back();
        }
    } else if (auto e = env("NOCTUA_ADMIN_TOKEN"); !e.empty()) {
        t.token = e;
    } else if (cfg && cfg->server.admin_token) {
        t.token = cfg->server.admin_token->reveal();
    }
    return t;
}

/// One exchange with the daemon (blocking: this is a command, not the daemon).
core::HttpResponse call(const Target& t, std::string method, const std::string& path,
                        std::string body = {}) {
    boost::asio::io_context ioc;
    net::CurlHttpClient http(ioc);
    core::HttpRequest req;
    req.method = std::move(method);
    req.url = t.url + path;
    req.body = std::move(body);
    req.timeout = std::chrono::seconds(30);
    req.headers = {{"Content-Type", "application/json"}};
    if (!t.token.empty()) req.headers.emplace_back("Authorization", "Bearer " + t.token);
    core::HttpResponse out;
    http.async_request(std::move(req), [&](core::HttpResponse r) { out = std::move(r); });
    ioc.run();
    return out;
}

/// The daemon's answer as an exit code, printing why it failed.
int failed(const Target& t, const core::HttpResponse& r) {
    if (!r.transport_ok()) {
        fmt::print(stderr, "noctua: cannot reach the daemon at {}: {} ({})\n", t.url,
                   core::to_string(r.error), r.error_message);
        return kFailure;
    }
    std::string reason = r.body;
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view text;
    if (!parser.parse(r.body).get(root) && !root["error"].get(text)) reason = std::string(text);
    if (r.status == 401) {
        reason += t.token.empty() ? " (no token given: set NOCTUA_ADMIN_TOKEN, --token-file, or "
                                    "-c the daemon's config)"
                                  : " (the daemon refused the token given)";
    }
    fmt::print(stderr, "noctua: the daemon answered {}: {}\n", r.status, reason);
    return kFailure;
}

/// The string at `v`, or "" when it is missing or not a string.
template <class Value>
std::string_view text_at(const Value& v) {
    std::string_view out;
    if (v.get(out)) return {};
    return out;
}

/// GETs the list at `path`, prints `header` and then `row` of each entry of its `data`; the
/// exit code. `what` names the list in the message when the answer is not one.
template <class Row>
int print_list(const Target& t, const std::string& path, std::string_view what,
               std::string_view header, Row row) {
    auto r = call(t, "GET", path);
    if (!r.transport_ok() || r.status != 200) return failed(t, r);
    simdjson::dom::parser parser;
    simdjson::dom::array data;
    if (parser.parse(r.body)["data"].get(data)) {
        fmt::print(stderr, "noctua: the daemon's answer is not {}\n", what);
        return kFailure;
    }
    fmt::print("{}\n", header);
    for (auto entry : data) row(entry);
    return kOk;
}

std::string author(const Options& o) { return flag(o, "author", env("USER")); }

int print_help(std::string_view help) {
    fmt::print("{}{}", help, kConnectionHelp);
    return kOk;
}

}  // namespace

int cmd_ack(const std::vector<std::string_view>& args) {
    Options o;
    if (auto code = parse(args, {"--author", "--comment"}, "ack", o)) return *code;
    if (o.help) return print_help(kAckHelp);
    if (o.positional.size() != 1) return usage("give one alert fingerprint", "ack");
    const auto who = author(o);
    if (who.empty()) return usage("--author is required ($USER is not set)", "ack");
    auto t = target(o);
    if (!t) return usage(t.error().message, "ack");
    core::JsonWriter w;
    w.begin_object().field("author", who).field("comment", flag(o, "comment")).end_object();
    auto r = call(*t, "POST", "/api/v1/alerts/" + o.positional[0] + "/ack", std::move(w).str());
    if (!r.transport_ok() || r.status != 200) return failed(*t, r);
    fmt::print("acknowledged {} by {}\n", o.positional[0], who);
    return kOk;
}

int cmd_alerts(const std::vector<std::string_view>& args) {
    Options o;
    if (auto code = parse(args, {}, "alerts", o)) return *code;
    if (o.help) return print_help(kAlertsHelp);
    if (!o.positional.empty()) return usage("no arguments expected", "alerts");
    auto t = target(o);
    if (!t) return usage(t.error().message, "alerts");
    const auto row = [](simdjson::dom::element a) {
        const auto fp = text_at(a["fingerprint"]);
        const auto since = text_at(a["startsAt"]);
        const auto by = text_at(a["ack"]["by"]);
        std::string name;
        std::string labels;
        simdjson::dom::object lo;
        if (!a["labels"].get(lo)) {
            for (auto [k, v] : lo) {
                const auto value = text_at(v);
                if (k == "alertname") name = value;
                labels += fmt::format("{}{}=\"{}\"", labels.empty() ? "" : ",", k, value);
            }
        }
        fmt::print("{}\t{}\t{}\t{}\t{{{}}}\n", fp, name, since, by.empty() ? "-" : by, labels);
    };
    return print_list(*t, "/api/v1/alerts", "an alert list",
                      "FINGERPRINT\tALERTNAME\tSINCE\tACK\tLABELS", row);
}

int cmd_silence(const std::vector<std::string_view>& args) {
    Options o;
    if (auto code = parse(args, {"--author", "--comment", "--duration", "--start", "--end"},
                          "silence", o)) {
        return *code;
    }
    if (o.help || o.positional.empty()) {
        if (!o.help) return usage("give add, list or expire", "silence");
        return print_help(kSilenceHelp);
    }
    const std::string sub = o.positional.front();
    o.positional.erase(o.positional.begin());
    if (sub != "add" && sub != "list" && sub != "expire") {
        return usage(fmt::format("unknown silence command \"{}\": add, list or expire", sub),
                     "silence");
    }
    auto t = target(o);
    if (!t) return usage(t.error().message, "silence");

    if (sub == "list") {
        if (!o.positional.empty()) return usage("silence list takes no arguments", "silence");
        return print_list(
            *t, "/api/v1/silences", "a silence list",
            "ID\tSTATE\tENDS\tMATCHERS\tCREATED_BY\tCOMMENT", [](simdjson::dom::element s) {
                fmt::print("{}\t{}\t{}\t{}\t{}\t{}\n", text_at(s["id"]),
                           text_at(s["status"]["state"]), text_at(s["endsAt"]),
                           text_at(s["matchers"]), text_at(s["createdBy"]), text_at(s["comment"]));
            });
    }
    if (sub == "expire") {
        if (o.positional.size() != 1) return usage("give one silence id", "silence");
        auto r = call(*t, "DELETE", "/api/v1/silences/" + o.positional[0]);
        if (!r.transport_ok() || r.status != 200) return failed(*t, r);
        fmt::print("expired {}\n", o.positional[0]);
        return kOk;
    }

    // add: every matcher checked here first, so a typo is named before anything is sent.
    if (o.positional.empty())
        return usage("give at least one matcher, e.g. provider=acme", "silence");
    core::JsonWriter w;
    w.begin_object().key("matchers").begin_array();
    for (const auto& text : o.positional) {
        auto m = core::Matcher::parse(text);
        if (!m) return usage(fmt::format("matcher \"{}\": {}", text, m.error().message), "silence");
        w.value(m->to_string());
    }
    w.end_array();
    const auto duration = flag(o, "duration");
    const auto start = flag(o, "start");
    const auto end = flag(o, "end");
    if (duration.empty() == end.empty()) {
        return usage("give either --duration or --end", "silence");
    }
    for (const auto& [name, value] : {std::pair{"--start", start}, std::pair{"--end", end}}) {
        if (!value.empty() && !core::parse_rfc3339(value)) {
            return usage(
                fmt::format("{} \"{}\": expected RFC 3339, e.g. 2026-12-03T18:00:00Z", name, value),
                "silence");
        }
    }
    if (!duration.empty()) {
        if (auto d = core::parse_duration(duration); !d) {
            return usage(fmt::format("--duration \"{}\": {}", duration, d.error().message),
                         "silence");
        }
        w.field("duration", duration);
    }
    if (!start.empty()) w.field("startsAt", start);
    if (!end.empty()) w.field("endsAt", end);
    w.field("createdBy", author(o)).field("comment", flag(o, "comment")).end_object();
    auto r = call(*t, "POST", "/api/v1/silences", std::move(w).str());
    if (!r.transport_ok() || r.status != 200) return failed(*t, r);
    simdjson::dom::parser parser;
    std::string_view id;
    if (parser.parse(r.body)["silenceID"].get(id)) {
        fmt::print(stderr, "noctua: the daemon's answer has no silence id\n");
        return kFailure;
    }
    fmt::print("{}\n", id);
    return kOk;
}

}  // namespace noctua::daemon
