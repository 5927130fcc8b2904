// The event parser's hot path, compiled once per simdjson kernel (event_kernel_*.cpp define
// NOCTUA_EVENT_KERNEL_NAME and _FACTORY, and pass the kernel's instruction-set flags): Debian's
// simdjson builds On-Demand for the "builtin" kernel only, which is `fallback` unless the
// translation unit itself is compiled for AVX2. EventParser picks a kernel at run time.
//
// Everything here has internal linkage except the factory: the kernels are compiled with
// different instruction sets, and two definitions of one inline function could otherwise be
// merged by the linker into a copy a CPU without AVX2 cannot run.

#include <array>
#include <cmath>
#include <cstring>
#include <functional>
#include <optional>

#include <simdjson.h>

#include "event_kernel.hpp"

namespace noctua::streams::detail {
namespace {

namespace od = simdjson::ondemand;

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);

constexpr std::size_t kMaxIdBytes = 256;
constexpr std::size_t kMaxValueBytes = 128;  // provider, operator, customer, error code, …

Rejection reject(RejectReason r, std::string_view field = {}) { return Rejection{r, field}; }

/// `s == lit` with the length known at compile time, so the comparison is inlined.
template <std::size_t N>
bool is(std::string_view s, const char (&lit)[N]) {
    return s.size() == N - 1 && std::memcmp(s.data(), lit, N - 1) == 0;
}

/// The status named `s`; nullopt when it is none of them.
std::optional<TxStatus> status_of(std::string_view s) {
    if (is(s, "success")) return TxStatus::success;
    if (is(s, "failed")) return TxStatus::failed;
    if (is(s, "pending")) return TxStatus::pending;
    if (is(s, "timeout")) return TxStatus::timeout;
    if (is(s, "refunded")) return TxStatus::refunded;
    return std::nullopt;
}

/// A simdjson error while reading the document: UTF-8 problems are their own reason.
Rejection json_error(simdjson::error_code e, std::string_view field = {}) {
    if (e == simdjson::UTF8_ERROR) return reject(RejectReason::invalid_utf8, field);
    if (e == simdjson::INCORRECT_TYPE) return reject(RejectReason::wrong_type, field);
    return reject(RejectReason::invalid_json, field);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_upper_alpha2(std::string_view s) {
    return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

/// The content of the string token `token` (`"…"`, maybe followed by blanks) when it holds no
/// escape, so that it can be used in place; nullopt for anything else (not a string, or
/// escapes to decode). Stage 1 has validated the document: the closing quote is there.
std::optional<std::string_view> plain_string(std::string_view token) {
    if (token.empty() || token[0] != '"') return std::nullopt;
    for (std::size_t i = 1; i < token.size(); ++i) {
        if (token[i] == '"') return token.substr(1, i - 1);
        if (token[i] == '\\') return std::nullopt;
    }
    return std::nullopt;
}

/// A string value without copying it through simdjson's string buffer when it has no escapes
/// (almost always); errors as get_string().
simdjson::error_code get_string(od::value& v, std::string_view& out) {
    if (auto s = plain_string(v.raw_json_token())) {
        out = *s;
        return simdjson::SUCCESS;
    }
    return v.get_string().get(out);
}

/// A field's key, in place when it has no escapes.
simdjson::error_code get_key(od::field& f, std::string_view& out) {
    // raw() points after the opening quote; the key token ends at the closing one.
    const char* raw = f.key().raw();
    for (std::size_t i = 0;; ++i) {
        if (raw[i] == '"') {
            out = std::string_view(raw, i);
            return simdjson::SUCCESS;
        }
        if (raw[i] == '\\') break;
    }
    return f.unescaped_key().get(out);
}

/// Reads a string field into `out`; over-long or empty values are invalid.
Rejection read_string(od::value& v, std::string_view field, std::string& out, std::size_t max,
                      bool allow_empty = false) {
    std::string_view s;
    if (auto e = get_string(v, s)) return json_error(e, field);
    if (s.size() > max || (!allow_empty && s.empty()))
        return reject(RejectReason::invalid_value, field);
    out.assign(s);
    return {};
}

Rejection read_number(od::value& v, std::string_view field, double& out) {
    // Anything but a number (a number sent as a string too) is INCORRECT_TYPE: wrong_type.
    double d = 0;
    if (auto e = v.get_double().get(d)) return json_error(e, field);
    if (!std::isfinite(d)) return reject(RejectReason::invalid_value, field);
    out = d;
    return {};
}

/// The parser for this translation unit's kernel. Owns simdjson's buffers: one per EventParser.
class Kernel final : public KernelParser {
public:
    // KernelParser
    [[nodiscard]] Rejection parse(std::string_view json, std::size_t padded_capacity,
                                  core::TimePoint now, const ParseOptions& options,
                                  TxEvent& out) override;
    bool split_array(std::string& buffer, const std::function<void(std::string_view)>& fn) override;
    [[nodiscard]] const char* name() const override { return NOCTUA_EVENT_KERNEL_NAME; }

private:
    od::parser parser_;
    od::parser outer_;    // splits JSON arrays while `parser_` reads the elements
    std::string padded_;  // copies of lines given without padding
};

Rejection Kernel::parse(std::string_view json, std::size_t padded_capacity, core::TimePoint now,
                        const ParseOptions& options, TxEvent& out) {
    if (json.size() > options.max_event_bytes) return reject(RejectReason::too_large);
    if (padded_capacity < json.size() + kJsonPadding) {
        padded_.assign(json);
        padded_.reserve(json.size() + kJsonPadding);
        json = padded_;
        padded_capacity = padded_.capacity();
    }
    // A line such as `{"id":…} garbage` must not pass: the whole line is one object (On-Demand
    // stops reading after the object, so check the ends here).
    std::size_t first = 0;
    std::size_t last = json.size();
    while (first < last && is_space(json[first])) ++first;
    while (last > first && is_space(json[last - 1])) --last;
    if (first == last || json[first] != '{' || json[last - 1] != '}') {
        return reject(RejectReason::invalid_json);
    }
    od::document doc;
    if (auto e = parser_.iterate(json.data(), json.size(), padded_capacity).get(doc)) {
        return json_error(e);
    }
    od::object obj;
    if (auto e = doc.get_object().get(obj)) {
        return e == simdjson::INCORRECT_TYPE ? reject(RejectReason::invalid_json) : json_error(e);
    }

    out.id.clear();
    out.provider.clear();
    out.operator_name.clear();
    out.country.clear();
    out.product.clear();
    out.customer.clear();
    out.error_code.clear();
    out.currency.clear();
    out.labels.clear();
    out.has_latency = false;
    out.has_amount = false;
    bool has_ts = false;
    bool has_status = false;

    for (auto field_result : obj) {
        od::field field;
        if (auto e = std::move(field_result).get(field)) return json_error(e);
        std::string_view key;
        if (auto e = get_key(field, key)) return json_error(e);
        od::value v = field.value();
        Rejection r;
        // Dispatch on length first: most keys are told apart by it.
        switch (key.size()) {
            case 2:
                if (is(key, "id")) {
                    r = read_string(v, "id", out.id, kMaxIdBytes);
                } else if (is(key, "ts")) {
                    od::json_type t;
                    if (auto e = v.type().get(t)) return json_error(e, "ts");
                    if (t == od::json_type::string) {
                        std::string_view s;
                        if (auto e = get_string(v, s)) return json_error(e, "ts");
                        auto tp = parse_rfc3339(s);
                        if (!tp) return reject(RejectReason::invalid_timestamp, "ts");
                        out.ts = *tp;
                    } else if (t == od::json_type::number) {
                        std::int64_t ms = 0;
                        if (v.get_int64().get(ms))
                            return reject(RejectReason::invalid_timestamp, "ts");
                        out.ts = core::TimePoint{std::chrono::milliseconds{ms}};
                    } else {
                        return reject(RejectReason::wrong_type, "ts");
                    }
                    has_ts = true;
                }
                break;
            case 6:
                if (is(key, "status")) {
                    std::string_view s;
                    if (auto e = get_string(v, s)) return json_error(e, "status");
                    const auto status = status_of(s);
                    if (!status) return reject(RejectReason::invalid_status, "status");
                    out.status = *status;
                    has_status = true;
                } else if (is(key, "amount")) {
                    r = read_number(v, "amount", out.amount);
                    out.has_amount = !r;
                } else if (is(key, "labels")) {
                    od::object labels;
                    if (auto e = v.get_object().get(labels)) return json_error(e, "labels");
                    for (auto lf : labels) {
                        od::field l;
                        if (auto e = std::move(lf).get(l)) return json_error(e, "labels");
                        std::string_view name;
                        if (auto e = l.unescaped_key().get(name)) return json_error(e, "labels");
                        std::string_view value;
                        if (auto e = l.value().get_string().get(value))
                            return json_error(e, "labels");
                        const auto& allowed = options.allowed_labels;
                        for (const auto& a : allowed) {
                            if (a != name) continue;
                            if (value.empty() || value.size() > kMaxValueBytes) {
                                return reject(RejectReason::invalid_value, "labels");
                            }
                            out.labels.emplace_back(a, value);
                        }
                    }
                }
                break;
            case 7:
                if (is(key, "country")) {
                    r = read_string(v, "country", out.country, 2);
                    if (!r && !is_upper_alpha2(out.country))
                        r = reject(RejectReason::invalid_value, "country");
                } else if (is(key, "product")) {
                    r = read_string(v, "product", out.product, kMaxValueBytes);
                }
                break;
            case 8:
                if (is(key, "provider")) {
                    r = read_string(v, "provider", out.provider, kMaxValueBytes);
                } else if (is(key, "operator")) {
                    r = read_string(v, "operator", out.operator_name, kMaxValueBytes);
                } else if (is(key, "customer")) {
                    r = read_string(v, "customer", out.customer, kMaxValueBytes);
                } else if (is(key, "currency")) {
                    r = read_string(v, "currency", out.currency, 8);
                }
                break;
            case 10:
                if (is(key, "error_code")) {
                    r = read_string(v, "error_code", out.error_code, kMaxValueBytes, true);
                } else if (is(key, "latency_ms")) {
                    r = read_number(v, "latency_ms", out.latency_ms);
                    if (!r && out.latency_ms < 0)
                        r = reject(RejectReason::invalid_value, "latency_ms");
                    out.has_latency = !r;
                }
                break;
            default:
                break;  // unknown fields are ignored
        }
        if (r) return r;
    }

    if (out.id.empty()) return reject(RejectReason::missing_field, "id");
    if (!has_ts) return reject(RejectReason::missing_field, "ts");
    if (out.provider.empty()) return reject(RejectReason::missing_field, "provider");
    if (!has_status) return reject(RejectReason::missing_field, "status");
    if (out.ts > now + options.max_future || out.ts < now - options.max_age) {
        return reject(RejectReason::timestamp_out_of_range, "ts");
    }
    if (out.labels.size() > 1) {
        // Keep the allow-list order so label vectors compare equal across events.
        std::vector<std::pair<std::string, std::string>> sorted;
        for (const auto& a : options.allowed_labels) {
            for (auto& l : out.labels) {
                if (l.first == a) {
                    sorted.push_back(std::move(l));
                    break;
                }
            }
        }
        out.labels = std::move(sorted);
    }
    return {};
}

bool Kernel::split_array(std::string& buffer, const std::function<void(std::string_view)>& fn) {
    if (buffer.capacity() < buffer.size() + kJsonPadding)
        buffer.reserve(buffer.size() + kJsonPadding);
    od::document doc;
    if (outer_.iterate(buffer.data(), buffer.size(), buffer.capacity()).get(doc)) return false;
    od::array arr;
    if (doc.get_array().get(arr)) return false;
    for (auto element : arr) {
        od::value v;
        if (std::move(element).get(v)) return false;
        od::json_type t;
        if (v.type().get(t)) return false;
        if (t == od::json_type::object) {
            od::object o;
            std::string_view raw;
            if (v.get_object().get(o) || o.raw_json().get(raw)) return false;
            fn(raw);
        } else if (t == od::json_type::array) {
            od::array a;
            std::string_view raw;
            if (v.get_array().get(a) || a.raw_json().get(raw)) return false;
            fn(raw);  // rejected by parse() as not an object
        } else {
            fn(v.raw_json_token());  // a scalar: rejected by parse() as not an object
        }
    }
    return true;
}

}  // namespace

std::unique_ptr<KernelParser> NOCTUA_EVENT_KERNEL_FACTORY() { return std::make_unique<Kernel>(); }

}  // namespace noctua::streams::detail
