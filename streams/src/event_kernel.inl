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

Rejection reject(RejectReason r, std::string_view field = {}) { return Rejection{r, field}; }

/// A simdjson error while reading the document: UTF-8 problems are their own reason.
Rejection json_error(simdjson::error_code e, std::string_view field = {}) {
    if (e == simdjson::UTF8_ERROR) return reject(RejectReason::invalid_utf8, field);
    if (e == simdjson::INCORRECT_TYPE) return reject(RejectReason::wrong_type, field);
    return reject(RejectReason::invalid_json, field);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

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

    EventBuilder b(out);
    for (auto field_result : obj) {
        od::field field;
        if (auto e = std::move(field_result).get(field)) return json_error(e);
        std::string_view key;
        if (auto e = get_key(field, key)) return json_error(e);
        const Field f = field_of(key);
        if (f == Field::other) continue;  // unknown fields are ignored
        od::value v = field.value();
        const std::string_view name = field_name(f);
        Rejection r;
        switch (f) {
            case Field::ts: {
                od::json_type t;
                if (auto e = v.type().get(t)) return json_error(e, name);
                if (t == od::json_type::string) {
                    std::string_view s;
                    if (auto e = get_string(v, s)) return json_error(e, name);
                    r = b.string(f, s);
                } else if (t == od::json_type::number) {
                    std::int64_t ms = 0;
                    if (v.get_int64().get(ms)) return reject(RejectReason::invalid_timestamp, name);
                    b.ts_ms(ms);
                } else {
                    return reject(RejectReason::wrong_type, name);
                }
                break;
            }
            case Field::latency_ms:
            case Field::amount:
            case Field::balance: {
                // Anything but a number (a number sent as a string too) is wrong_type.
                double d = 0;
                if (auto e = v.get_double().get(d)) return json_error(e, name);
                r = b.number(f, d);
                break;
            }
            case Field::labels: {
                od::object labels;
                if (auto e = v.get_object().get(labels)) return json_error(e, name);
                for (auto lf : labels) {
                    od::field l;
                    if (auto e = std::move(lf).get(l)) return json_error(e, name);
                    std::string_view label;
                    if (auto e = l.unescaped_key().get(label)) return json_error(e, name);
                    std::string_view value;
                    if (auto e = l.value().get_string().get(value)) return json_error(e, name);
                    for (const auto& a : options.allowed_labels) {
                        if (a != label) continue;
                        if (value.empty() || value.size() > kMaxValueBytes) {
                            return reject(RejectReason::invalid_value, name);
                        }
                        out.labels.emplace_back(a, value);
                    }
                }
                break;
            }
            default: {
                std::string_view s;
                if (auto e = get_string(v, s)) return json_error(e, name);
                r = b.string(f, s);
                break;
            }
        }
        if (r) return r;
    }
    return b.finish(now, options);
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
