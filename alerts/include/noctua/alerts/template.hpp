#pragma once

// Rendering the `{{ }}` templates of alert rules (config checks them at load time, see
// config/expr.hpp): `{{ .Labels.provider }}`, `{{ .Value | humanizePercentage }}`,
// `{{ .Values.expected_per_hour | humanize }}`, `{{ .Annotations.summary }}`, and
// Prometheus's `$labels` / `$value` spellings.

#include <cstddef>
#include <map>
#include <string>

#include "noctua/alerts/alert.hpp"
#include "noctua/config/config.hpp"
#include "noctua/config/expr.hpp"
#include "noctua/core/labels.hpp"

namespace noctua::alerts {

/// What a template sees when an alert fires or resolves.
struct TemplateData {
    const core::Labels* labels = nullptr;              ///< `.Labels` / `$labels`
    double value = 0;                                  ///< `.Value` / `$value`
    const std::map<std::string, double>* values = nullptr;  ///< `.Values`: the rule's numbers
    const Annotations* annotations = nullptr;          ///< `.Annotations`: the rule's own text
};

/// The longest rendered text; the rest is cut at a UTF-8 boundary and ends with "…".
inline constexpr std::size_t kMaxRenderedBytes = 4096;

/// Renders `t` against `data`. Never throws and never fails: a missing label or value is
/// empty, a function given text that is not a number returns the text, and nodes config does
/// not allow in rule templates render as nothing. Recursion is bounded by the parser's
/// kMaxDepth and the output by kMaxRenderedBytes.
[[nodiscard]] std::string render(const config::expr::Template& t, const TemplateData& data);

/// Prometheus's humanising functions, with its formats (`%.4g` and SI prefixes).
[[nodiscard]] std::string humanize(double v);             ///< 1234567 → "1.235M", 0.002 → "2m"
[[nodiscard]] std::string humanize_1024(double v);        ///< 1048576 → "1Mi"
[[nodiscard]] std::string humanize_duration(double seconds);  ///< 5400 → "1h 30m 0s"
[[nodiscard]] std::string humanize_percentage(double ratio);  ///< 0.4123 → "41.23%"

/// One rule's labels and annotations, parsed once (a rule's templates render on every
/// transition). Immutable after construction; safe to share between threads.
class RuleTemplates {
public:
    RuleTemplates() = default;
    /// Parses the values of `rule.labels` and `rule.annotations`. Config has checked them; a
    /// value that does not parse is used as literal text.
    explicit RuleTemplates(const config::RuleConfig& rule);

    /// Whether there is nothing to apply.
    [[nodiscard]] bool empty() const { return labels_.empty() && annotations_.empty(); }

    /// Renders into `input`: each templated rule label the input carries unrendered (a series
    /// label of the same name wins), from the labels alone; then every rule annotation (the
    /// rule's `summary` replaces the detector's, which stays `.Annotations.summary`). A label
    /// that renders empty is removed, as in Prometheus.
    void apply(AlertInput& input, double value, const std::map<std::string, double>& values) const;

private:
    struct Entry {
        std::string name;
        std::string raw;
        config::expr::Template parsed;
    };
    std::vector<Entry> labels_;
    std::vector<Entry> annotations_;
};

}  // namespace noctua::alerts
