// Catalogue comparison and keeping: what a provider added, withdrew, renamed or repriced
// between two status-test runs.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <simdjson.h>

#include "noctua/core/json.hpp"
#include "noctua/probes/status_test.hpp"

namespace noctua::probes {

std::vector<CatalogueChange> diff_catalogues(const std::vector<CatalogueItem>& before,
                                             const std::vector<CatalogueItem>& after) {
    std::map<std::string, const CatalogueItem*> old_items;
    for (const auto& i : before) old_items.emplace(i.id, &i);
    std::map<std::string, const CatalogueItem*> new_items;
    for (const auto& i : after) new_items.emplace(i.id, &i);
    std::vector<CatalogueChange> out;
    for (const auto& [id, item] : new_items) {
        auto it = old_items.find(id);
        if (it == old_items.end()) {
            out.push_back({"added", id, item->name, "", item->prices});
            continue;
        }
        const CatalogueItem& old = *it->second;
        if (old.name != item->name) out.push_back({"renamed", id, item->name, old.name, item->name});
        if (old.prices != item->prices) out.push_back({"repriced", id, item->name, old.prices, item->prices});
    }
    for (const auto& [id, item] : old_items) {
        if (!new_items.contains(id)) out.push_back({"removed", id, item->name, item->prices, ""});
    }
    std::sort(out.begin(), out.end(), [](const CatalogueChange& a, const CatalogueChange& b) {
        return std::tie(a.id, a.change) < std::tie(b.id, b.change);
    });
    return out;
}

std::string catalogue_json(const std::vector<CatalogueItem>& items) {
    core::JsonWriter w;
    w.begin_array();
    for (const auto& i : items) {
        w.begin_object()
            .field("id", i.id)
            .field("name", i.name)
            .field("country", i.country)
            .field("prices", i.prices)
            .end_object();
    }
    w.end_array();
    return std::move(w).str();
}

core::Result<std::vector<CatalogueItem>> parse_catalogue_json(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    simdjson::dom::array items;
    if (parser.parse(json.data(), json.size()).get(doc) != simdjson::SUCCESS ||
        doc.get_array().get(items) != simdjson::SUCCESS) {
        return core::fail(core::Errc::invalid_argument, "not a JSON array of catalogue items");
    }
    std::vector<CatalogueItem> out;
    for (auto e : items) {
        CatalogueItem item;
        std::string_view v;
        if (e["id"].get_string().get(v) != simdjson::SUCCESS) {
            return core::fail(core::Errc::invalid_argument, "a catalogue item without an id");
        }
        item.id = std::string(v);
        if (e["name"].get_string().get(v) == simdjson::SUCCESS) item.name = std::string(v);
        if (e["country"].get_string().get(v) == simdjson::SUCCESS) item.country = std::string(v);
        if (e["prices"].get_string().get(v) == simdjson::SUCCESS) item.prices = std::string(v);
        out.push_back(std::move(item));
    }
    return out;
}

core::Result<void> remember_catalogue(const std::string& dir, SuiteResult& result) {
    if (!result.catalogue || dir.empty()) return {};
    namespace fs = std::filesystem;
    const fs::path folder = fs::path(dir) / "catalogue";
    const fs::path file = folder / (result.suite + ".json");
    std::ifstream in(file, std::ios::binary);
    if (in) {
        std::stringstream text;
        text << in.rdbuf();
        auto previous = parse_catalogue_json(text.str());
        if (previous) {
            result.catalogue_changes = diff_catalogues(*previous, *result.catalogue);
        } else {
            result.catalogue_baseline = true;
        }
    } else {
        result.catalogue_baseline = true;
    }
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec) return core::fail(core::Errc::io, fmt::format("{}: {}", folder.string(), ec.message()));
    // Written beside and renamed, so a crash never leaves half a catalogue.
    const fs::path tmp = file.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << catalogue_json(*result.catalogue);
        if (!out.flush()) return core::fail(core::Errc::io, fmt::format("{}: cannot write", tmp.string()));
    }
    fs::rename(tmp, file, ec);
    if (ec) return core::fail(core::Errc::io, fmt::format("{}: {}", file.string(), ec.message()));
    return {};
}

}  // namespace noctua::probes
