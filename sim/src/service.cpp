#include "noctua/sim/service.hpp"

#include <cmath>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/core/json.hpp"
#include "noctua/sim/rng.hpp"

namespace noctua::sim {
namespace {

using core::ServerResponse;


ServerResponse method_not_allowed(std::string_view allow) {
    auto r = ServerResponse::json_error(405, "method not allowed");
    r.headers.emplace_back("Allow", std::string{allow});
    return r;
}

}  // namespace

SimService::SimService(const FleetSpec& fleet, const core::Clock& clock) : clock_(clock) {
    std::uint64_t stream = 1000;
    for (const auto& spec : fleet.providers) {
        // Each provider's API randomness is its own stream: adding a provider or calling one
        // API never changes what another one (or the traffic generator) does.
        const auto seed = Rng::derive(fleet.seed, stream++).next();
        providers_.push_back(std::make_unique<ProviderSim>(spec, clock_, seed));
    }
}

ProviderSim* SimService::find(std::string_view id) {
    for (auto& p : providers_) {
        if (p->id() == id) return p.get();
    }
    return nullptr;
}

Reply SimService::handle(const core::ServerRequest& request) {
    std::string_view path = request.path;
    if (path.starts_with("/sim/") || path == "/sim") return control(request, path);
    // "/<provider>/rest/of/path"
    std::string_view rest = path;
    if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
    const auto slash = rest.find('/');
    const std::string_view id = rest.substr(0, slash);
    if (auto* p = find(id)) {
        return p->handle(request, slash == std::string_view::npos ? "/" : rest.substr(slash));
    }
    core::JsonWriter w;
    w.begin_object()
        .field("timeStamp", format_api_time(clock_.now()))
        .field("status", 404)
        .field("error", "Not Found")
        .field("message", fmt::format("No provider \"{}\" in this simulator", id))
        .field("path", path)
        .end_object();
    return Reply{ServerResponse::json(404, std::move(w).str())};
}

void SimService::write_provider(core::JsonWriter& w, ProviderSim& p) {
    const auto& s = p.spec();
    w.begin_object()
        .field("id", s.id)
        .field("name", s.name)
        .field("flavour", to_string(s.flavour))
        .field("base_path", "/" + s.id)
        .field("country", s.countries.front());
    w.key("countries").begin_array();
    for (const auto& c : s.countries) w.value(c);
    w.end_array();
    w.field("currency", s.currency)
        .field("balance", std::round(p.balance() * 100.0) / 100.0)
        .field("rate_limit_per_minute", s.rate_limit_per_minute)
        .field("operators", static_cast<std::uint64_t>(p.catalogue().size()));
    w.key("faults").begin_array();
    for (const auto& f : p.faults().all()) write_fault(w, f);
    w.end_array();
    w.end_object();
}

Reply SimService::control(const core::ServerRequest& req, std::string_view path) {
    const auto seg = core::split_path(path);  // "sim", "providers", id, action
    const bool get = req.method == "GET";
    const bool post = req.method == "POST";
    auto json = [](int status, std::string body) { return Reply{ServerResponse::json(status, std::move(body))}; };

    if (seg.size() == 2 && seg[1] == "heal") {
        if (!post) return Reply{method_not_allowed("POST")};
        for (auto& p : providers_) p->heal();
        return json(200, R"({"status":"ok"})");
    }
    if (seg.size() < 2 || seg[1] != "providers" || seg.size() > 4) {
        return Reply{ServerResponse::json_error(404, "no such control route")};
    }
    if (seg.size() == 2) {
        if (!get) return Reply{method_not_allowed("GET")};
        for (auto& p : providers_) p->expire_faults(clock_.now());
        core::JsonWriter w;
        w.begin_object().key("providers").begin_array();
        for (auto& p : providers_) write_provider(w, *p);
        w.end_array().end_object();
        return json(200, std::move(w).str());
    }
    ProviderSim* p = find(seg[2]);
    if (p == nullptr) {
        return Reply{ServerResponse::json_error(404, fmt::format("unknown provider \"{}\"", seg[2]))};
    }
    p->expire_faults(clock_.now());
    auto one = [&] {
        core::JsonWriter w;
        write_provider(w, *p);
        return json(200, std::move(w).str());
    };
    if (seg.size() == 3) {
        if (!get) return Reply{method_not_allowed("GET")};
        return one();
    }
    const std::string_view action = seg[3];
    if (action != "fault" && action != "heal" && action != "balance") {
        return Reply{ServerResponse::json_error(404, "no such control route")};
    }
    if (!post) return Reply{method_not_allowed("POST")};
    if (action == "heal") {
        p->heal();
        return one();
    }
    if (action == "fault") {
        auto fault = parse_fault_json(req.body);
        if (!fault) return Reply{ServerResponse::json_error(400, fault.error().message)};
        if (fault->kind == FaultKind::traffic_shift && find(fault->target) == nullptr) {
            return Reply{ServerResponse::json_error(
                400, fmt::format("traffic_shift: unknown provider \"{}\"", fault->target))};
        }
        fault->since = clock_.now();
        p->add_fault(std::move(*fault));
        return one();
    }
    // balance
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    double balance = 0;
    // simdjson's DOM converts integers for get_double().
    if (parser.parse(req.body.data(), req.body.size()).get(doc) != simdjson::SUCCESS ||
        doc["balance"].get_double().get(balance) != simdjson::SUCCESS) {
        return Reply{ServerResponse::json_error(400, "body must be {\"balance\": <number>}")};
    }
    if (balance < 0 || !std::isfinite(balance)) {
        return Reply{ServerResponse::json_error(400, "balance must be >= 0")};
    }
    p->set_balance(balance);
    return one();
}

}  // namespace noctua::sim
