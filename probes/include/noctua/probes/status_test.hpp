#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/config/kind_registry.hpp"
#include "noctua/core/result.hpp"
#include "noctua/probes/probe.hpp"

namespace noctua::probes {

/// One entry of a provider's A-Z catalogue: an operator (airtime) with its price list.
struct CatalogueItem {
    std::string id;
    std::string name;
    std::string country;  ///< ISO code
    /// "5-50 EUR" (a range) or "5, 10, 20 EUR" (fixed denominations): what repricing changes.
    std::string prices;
    friend bool operator==(const CatalogueItem&, const CatalogueItem&) = default;
};

/// What changed in a catalogue between two runs, one entry per item and kind of change.
struct CatalogueChange {
    std::string change;  ///< added | removed | renamed | repriced (a bounded metric label)
    std::string id;
    std::string name;    ///< the name now (removed: the name it had)
    std::string before;  ///< renamed: old name; repriced: old prices; removed: its prices
    std::string after;   ///< renamed: new name; repriced: new prices; added: its prices
    friend bool operator==(const CatalogueChange&, const CatalogueChange&) = default;
};

inline constexpr std::string_view kCatalogueChanges[] = {"added", "removed", "renamed",
                                                         "repriced"};

/// Changes from `before` to `after`, sorted by item id then change. Items match by id.
[[nodiscard]] std::vector<CatalogueChange> diff_catalogues(const std::vector<CatalogueItem>& before,
                                                           const std::vector<CatalogueItem>& after);
/// A catalogue as JSON (an array of {id, name, country, prices}) and back.
[[nodiscard]] std::string catalogue_json(const std::vector<CatalogueItem>& items);
[[nodiscard]] core::Result<std::vector<CatalogueItem>> parse_catalogue_json(std::string_view json);

/// The outcome of one suite run: data, never an error (docs/contributing.md, "Principles").
struct SuiteResult {
    std::string suite;
    std::string provider;
    std::string provider_name;
    core::TimePoint started{};
    std::chrono::microseconds duration{};
    bool success = false;
    std::string failed_step;  ///< "" on success
    std::string reason;       ///< bounded, probes::kFailureReasons; "" on success
    std::string message;      ///< human detail, with the provider's errorCode when it gave one
    std::vector<StepResult> steps;  ///< every configured step, in order (skipped ones too)
    std::optional<double> balance;  ///< from the balance step
    std::string currency;
    /// The whole catalogue, when every page was read.
    std::optional<std::vector<CatalogueItem>> catalogue;
    /// Against the previous run's catalogue; filled by whoever keeps catalogues
    /// (remember_catalogue()).
    std::vector<CatalogueChange> catalogue_changes;
    bool catalogue_baseline = false;  ///< no earlier catalogue to compare with
};

/// A configured status-test suite: each run gives a SuiteResult. Runs of one suite must not
/// overlap.
using Suite = Check<config::StatusTestConfig, SuiteResult>;

/// One status-test kind, the provider API's shape (config::KindFactory): parse() reads its own
/// keys of a `[[status_tests]]` entry (config::SuiteParser) into the options struct declared
/// beside the kind (noctua/probes/suites/<kind>.hpp) and its steps into `common.steps`;
/// create() makes a suite from them (an error without steps).
using SuiteFactory =
    config::KindFactory<config::SuiteParser, Suite, config::StatusTestConfig, ProbeContext&>;

/// Status-test kinds by name (config::KindRegistry): filled at start-up by
/// register_builtin_suites(), then frozen and read-only.
using SuiteRegistry =
    config::KindRegistry<SuiteFactory, config::kSuiteKinds, &config::KindParsers::add_suite>;

/// Registers the built-in kinds: reloadly.
void register_builtin_suites(SuiteRegistry& registry);

/// Compares `result`'s catalogue with the one kept in `dir` for its suite
/// (`dir/catalogue/<suite>.json`), fills catalogue_changes (or catalogue_baseline), and keeps
/// the new one for the next run. Blocking file I/O: call from a worker or the CLI. Errors:
/// the directory or file cannot be written (the changes are filled all the same).
[[nodiscard]] core::Result<void> remember_catalogue(const std::string& dir, SuiteResult& result);

}  // namespace noctua::probes
