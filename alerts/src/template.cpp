#include "noctua/alerts/template.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>

#include <fmt/format.h>

namespace noctua::alerts {
namespace {

using config::expr::Node;
using Kind = Node::Kind;

/// A value inside a template: a number or text.
struct Value {
    bool is_number = false;
    double number = 0;
    std::string text;
    static Value of(double v) { return Value{true, v, {}}; }
    static Value of(std::string s) { return Value{false, 0, std::move(s)}; }
};

std::string special(double v) {
    if (std::isnan(v)) return "NaN";
    return v > 0 ? "+Inf" : "-Inf";
}

/// Go's `%.4g`.
std::string g4(double v) {
    if (!std::isfinite(v)) return special(v);
    return fmt::format("{:.4g}", v);
}

std::string text_of(const Value& v) {
    if (!v.is_number) return v.text;
    if (!std::isfinite(v.number)) return special(v.number);
    return fmt::format("{}", v.number);
}

/// The number in `v`, if it is one or is text that reads whole as one.
std::optional<double> number_of(const Value& v) {
    if (v.is_number) return v.number;
    const auto& s = v.text;
    double out = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc{} || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
    return out;
}

std::string lookup(const Annotations* m, const std::string& key) {
    if (m == nullptr) return {};
    auto it = m->find(key);
    return it == m->end() ? std::string() : it->second;
}

Value eval_path(const Node& n, const TemplateData& d) {
    const auto& root = n.path.front().key;
    if (root == ".Value" || root == "$value") return Value::of(d.value);
    if (n.path.size() < 2) return Value::of(std::string());
    const auto& key = n.path[1].key;
    if (root == ".Labels" || root == "$labels") {
        if (d.labels == nullptr) return Value::of(std::string());
        return Value::of(std::string(d.labels->get(key).value_or("")));
    }
    if (root == ".Annotations") return Value::of(lookup(d.annotations, key));
    if (root == ".Values" && d.values != nullptr) {
        if (auto it = d.values->find(key); it != d.values->end()) return Value::of(it->second);
    }
    return Value::of(std::string());
}

std::string map_chars(std::string s, int (*f)(int)) {
    for (auto& c : s) c = static_cast<char>(f(static_cast<unsigned char>(c)));
    return s;
}

std::string title(std::string s) {
    bool start = true;
    for (auto& c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (start && std::isalpha(u) != 0) c = static_cast<char>(std::toupper(u));
        start = std::isspace(u) != 0 || c == '-' || c == '_';
    }
    return s;
}

Value eval(const Node& n, const TemplateData& d);

Value call(const Node& n, const TemplateData& d) {
    if (n.children.empty()) return Value::of(std::string());
    Value arg = eval(*n.children.front(), d);
    const auto& f = n.text;
    if (f == "humanize" || f == "humanize1024" || f == "humanizeDuration" ||
        f == "humanizePercentage") {
        const auto x = number_of(arg);
        if (!x) return arg;  // not a number: shown as it is
        if (f == "humanize") return Value::of(humanize(*x));
        if (f == "humanize1024") return Value::of(humanize_1024(*x));
        if (f == "humanizeDuration") return Value::of(humanize_duration(*x));
        return Value::of(humanize_percentage(*x));
    }
    if (f == "lower" || f == "toLower") return Value::of(map_chars(text_of(arg), &::tolower));
    if (f == "toUpper") return Value::of(map_chars(text_of(arg), &::toupper));
    if (f == "title") return Value::of(title(text_of(arg)));
    return Value::of(std::string());
}

Value eval(const Node& n, const TemplateData& d) {
    switch (n.kind) {
        case Kind::string: return Value::of(n.text);
        case Kind::number: return Value::of(n.number);
        case Kind::path: return eval_path(n, d);
        case Kind::call: return call(n, d);
        default: return Value::of(std::string());
    }
}

/// Cuts `s` to kMaxRenderedBytes, at a UTF-8 character boundary, marking the cut.
void bound(std::string& s) {
    if (s.size() <= kMaxRenderedBytes) return;
    constexpr std::string_view kEllipsis = "…";
    std::size_t cut = kMaxRenderedBytes - kEllipsis.size();
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0U) == 0x80U) --cut;
    s.resize(cut);
    s += kEllipsis;
}

std::string scaled(double v, double base, const std::array<std::string_view, 8>& up,
                   const std::array<std::string_view, 8>* down, std::string_view unit = {}) {
    std::string_view prefix;
    if (std::fabs(v) >= 1 || down == nullptr) {
        for (const auto p : up) {
            if (std::fabs(v) < base) break;
            prefix = p;
            v /= base;
        }
    } else {
        for (const auto p : *down) {
            if (std::fabs(v) >= 1) break;
            prefix = p;
            v *= base;
        }
    }
    return fmt::format("{:.4g}{}{}", v, prefix, unit);
}

constexpr std::array<std::string_view, 8> kSiUp = {"k", "M", "G", "T", "P", "E", "Z", "Y"};
constexpr std::array<std::string_view, 8> kSiDown = {"m", "u", "n", "p", "f", "a", "z", "y"};
constexpr std::array<std::string_view, 8> kBinary = {"Ki", "Mi", "Gi", "Ti",
                                                     "Pi", "Ei", "Zi", "Yi"};

}  // namespace

std::string humanize(double v) {
    if (v == 0 || !std::isfinite(v)) return g4(v);
    return scaled(v, 1000, kSiUp, &kSiDown);
}

std::string humanize_1024(double v) {
    if (std::fabs(v) <= 1 || !std::isfinite(v)) return g4(v);
    return scaled(v, 1024, kBinary, nullptr);
}

std::string humanize_duration(double v) {
    if (!std::isfinite(v)) return special(v);
    if (v == 0) return "0s";
    if (std::fabs(v) < 1) return scaled(v, 1000, kSiUp, &kSiDown, "s");
    const char* sign = v < 0 ? "-" : "";
    const double a = std::fabs(v);
    // Beyond what whole seconds in 64 bits hold, only the number is meaningful.
    if (a >= 9e18) return fmt::format("{}{:.4g}s", sign, a);
    const auto total = static_cast<std::int64_t>(a);
    const auto seconds = total % 60;
    const auto minutes = (total / 60) % 60;
    const auto hours = (total / 3600) % 24;
    const auto days = total / 86400;
    if (days != 0) return fmt::format("{}{}d {}h {}m {}s", sign, days, hours, minutes, seconds);
    if (hours != 0) return fmt::format("{}{}h {}m {}s", sign, hours, minutes, seconds);
    if (minutes != 0) return fmt::format("{}{}m {}s", sign, minutes, seconds);
    return fmt::format("{}{:.4g}s", sign, a);
}

std::string humanize_percentage(double ratio) {
    if (!std::isfinite(ratio)) return special(ratio);
    return fmt::format("{:.4g}%", ratio * 100);
}

std::string render(const config::expr::Template& t, const TemplateData& data) {
    std::string out;
    try {
        for (const auto& part : t.parts) {
            if (part.expression.empty()) {
                out += part.literal;
            } else {
                out += text_of(eval(part.expression.root(), data));
            }
            if (out.size() > kMaxRenderedBytes) break;
        }
    } catch (const std::exception&) {
        // Only allocation can fail here; what was rendered so far is kept.
    }
    bound(out);
    return out;
}

RuleTemplates::RuleTemplates(const config::RuleConfig& rule) {
    auto parse = [](const std::string& name, const std::string& raw) {
        auto t = config::expr::parse_template(raw);
        Entry e{name, raw, {}};
        if (t) {
            e.parsed = std::move(*t);
        } else {
            e.parsed.parts.push_back({raw, {}, 0});
        }
        return e;
    };
    for (const auto& [name, raw] : rule.labels.pairs()) {
        if (raw.find("{{") != std::string::npos) labels_.push_back(parse(name, raw));
    }
    for (const auto& [name, raw] : rule.annotations) annotations_.push_back(parse(name, raw));
}

void RuleTemplates::apply(AlertInput& input, double value,
                          const std::map<std::string, double>& values) const {
    if (!labels_.empty()) {
        const core::Labels before = input.labels;
        const TemplateData d{&before, 0, nullptr, nullptr};
        for (const auto& e : labels_) {
            if (before.get(e.name) != std::optional<std::string_view>(e.raw)) continue;
            auto text = render(e.parsed, d);
            if (text.empty()) {
                input.labels.erase(e.name);
            } else {
                input.labels.set(e.name, text);
            }
        }
    }
    if (annotations_.empty()) return;
    // What the detector said; the rule's own (unrendered) annotations are not data.
    Annotations own = input.annotations;
    for (const auto& e : annotations_) {
        if (auto it = own.find(e.name); it != own.end() && it->second == e.raw) own.erase(e.name);
    }
    const TemplateData d{&input.labels, value, &values, &own};
    for (const auto& e : annotations_) input.annotations[e.name] = render(e.parsed, d);
}

}  // namespace noctua::alerts
