#include "noctua/streams/event.hpp"

#include <array>
#include <cmath>
#include <cstring>

#include <simdjson.h>

namespace noctua::streams {
namespace {

namespace od = simdjson::ondemand;

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);

constexpr std::size_t kMaxIdBytes = 256;
constexpr std::size_t kMaxValueBytes = 128;  // provider, operator, customer, error code, …

constexpr std::array<std::string_view, kStatusCount> kStatusNames = {
    "success", "failed", "pending", "timeout", "refunded"};
constexpr std::array<std::string_view, kRejectReasonCount> kReasonNames = {
    "none",         "invalid_json",  "invalid_utf8",   "too_large",         "missing_field",
    "wrong_type",   "invalid_value", "invalid_status", "invalid_timestamp", "timestamp_out_of_range"};

Rejection reject(RejectReason r, std::string_view field = {}) { return Rejection{r, field}; }

/// A simdjson error while reading the document: UTF-8 problems are their own reason.
Rejection json_error(simdjson::error_code e, std::string_view field = {}) {
    if (e == simdjson::UTF8_ERROR) return reject(RejectReason::invalid_utf8, field);
    if (e == simdjson::INCORRECT_TYPE) return reject(RejectReason::wrong_type, field);
    return reject(RejectReason::invalid_json, field);
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        const char c = s[i];
        if (c < '0' || c > '9') return false;
        v = v * 10 + (c - '0');
    }
    out = v;
    return true;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool is_upper_alpha2(std::string_view s) {
    return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

/// Reads a string field into `out`; over-long or empty values are invalid.
Rejection read_string(od::value& v, std::string_view field, std::string& out, std::size_t max,
                      bool allow_empty = false) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return json_error(e, field);
    if (s.size() > max || (!allow_empty && s.empty())) return reject(RejectReason::invalid_value, field);
    out.assign(s);
    return {};
}

Rejection read_number(od::value& v, std::string_view field, double& out) {
    od::json_type t;
    if (auto e = v.type().get(t)) return json_error(e, field);
    if (t != od::json_type::number) return reject(RejectReason::wrong_type, field);
    double d = 0;
    if (auto e = v.get_double().get(d)) return json_error(e, field);
    if (!std::isfinite(d)) return reject(RejectReason::invalid_value, field);
    out = d;
    return {};
}

}  // namespace

std::string_view to_string(TxStatus s) { return kStatusNames[static_cast<std::size_t>(s)]; }
std::string_view to_string(RejectReason r) { return kReasonNames[static_cast<std::size_t>(r)]; }

std::optional<core::TimePoint> parse_rfc3339(std::string_view s) {
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (s.size() < 20 || !digits(s, 0, 4, y) || s[4] != '-' || !digits(s, 5, 2, mo) ||
        s[7] != '-' || !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' ||
        !digits(s, 17, 2, sec)) {
        return std::nullopt;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    static constexpr int kMonthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > kMonthDays[mo - 1] || (mo == 2 && d == 29 && !leap)) return std::nullopt;
    std::size_t pos = 19;
    std::int64_t ms = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int n = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (n < 3) ms = ms * 10 + (s[pos] - '0');
            ++n;
            ++pos;
        }
        if (n == 0) return std::nullopt;
        for (int i = n; i < 3; ++i) ms *= 10;
    }
    std::int64_t offset_min = 0;
    if (pos == s.size()) return std::nullopt;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int oh = 0, om = 0;
        if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + std::min(sec, 59) - offset_min * 60;
    return core::TimePoint{std::chrono::milliseconds{secs * 1000 + ms}};
}

struct EventParser::Impl {
    od::parser parser;
    od::parser outer;    // splits JSON arrays while `parser` reads the elements
    std::string padded;  // copies of lines given without padding
};

EventParser::EventParser(ParseOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {}
EventParser::~EventParser() = default;

Rejection EventParser::parse(std::string_view json, std::size_t padded_capacity,
                             core::TimePoint now, TxEvent& out) {
    if (json.size() > options_.max_event_bytes) return reject(RejectReason::too_large);
    if (padded_capacity < json.size() + kJsonPadding) {
        impl_->padded.assign(json);
        impl_->padded.reserve(json.size() + kJsonPadding);
        json = impl_->padded;
        padded_capacity = impl_->padded.capacity();
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
    if (auto e = impl_->parser.iterate(json.data(), json.size(), padded_capacity).get(doc)) {
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
        if (auto e = field.unescaped_key().get(key)) return json_error(e);
        od::value v = field.value();
        Rejection r;
        // Dispatch on length first: most keys are told apart by it.
        switch (key.size()) {
            case 2:
                if (key == "id") {
                    r = read_string(v, "id", out.id, kMaxIdBytes);
                } else if (key == "ts") {
                    od::json_type t;
                    if (auto e = v.type().get(t)) return json_error(e, "ts");
                    if (t == od::json_type::string) {
                        std::string_view s;
                        if (auto e = v.get_string().get(s)) return json_error(e, "ts");
                        auto tp = parse_rfc3339(s);
                        if (!tp) return reject(RejectReason::invalid_timestamp, "ts");
                        out.ts = *tp;
                    } else if (t == od::json_type::number) {
                        std::int64_t ms = 0;
                        if (v.get_int64().get(ms)) return reject(RejectReason::invalid_timestamp, "ts");
                        out.ts = core::TimePoint{std::chrono::milliseconds{ms}};
                    } else {
                        return reject(RejectReason::wrong_type, "ts");
                    }
                    has_ts = true;
                }
                break;
            case 6:
                if (key == "status") {
                    std::string_view s;
                    if (auto e = v.get_string().get(s)) return json_error(e, "status");
                    std::size_t i = 0;
                    while (i < kStatusCount && kStatusNames[i] != s) ++i;
                    if (i == kStatusCount) return reject(RejectReason::invalid_status, "status");
                    out.status = static_cast<TxStatus>(i);
                    has_status = true;
                } else if (key == "amount") {
                    r = read_number(v, "amount", out.amount);
                    out.has_amount = !r;
                } else if (key == "labels") {
                    od::object labels;
                    if (auto e = v.get_object().get(labels)) return json_error(e, "labels");
                    for (auto lf : labels) {
                        od::field l;
                        if (auto e = std::move(lf).get(l)) return json_error(e, "labels");
                        std::string_view name;
                        if (auto e = l.unescaped_key().get(name)) return json_error(e, "labels");
                        std::string_view value;
                        if (auto e = l.value().get_string().get(value)) return json_error(e, "labels");
                        const auto& allowed = options_.allowed_labels;
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
                if (key == "country") {
                    r = read_string(v, "country", out.country, 2);
                    if (!r && !is_upper_alpha2(out.country)) r = reject(RejectReason::invalid_value, "country");
                } else if (key == "product") {
                    r = read_string(v, "product", out.product, kMaxValueBytes);
                }
                break;
            case 8:
                if (key == "provider") {
                    r = read_string(v, "provider", out.provider, kMaxValueBytes);
                } else if (key == "operator") {
                    r = read_string(v, "operator", out.operator_name, kMaxValueBytes);
                } else if (key == "customer") {
                    r = read_string(v, "customer", out.customer, kMaxValueBytes);
                } else if (key == "currency") {
                    r = read_string(v, "currency", out.currency, 8);
                }
                break;
            case 10:
                if (key == "error_code") {
                    r = read_string(v, "error_code", out.error_code, kMaxValueBytes, true);
                } else if (key == "latency_ms") {
                    r = read_number(v, "latency_ms", out.latency_ms);
                    if (!r && out.latency_ms < 0) r = reject(RejectReason::invalid_value, "latency_ms");
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
    if (out.ts > now + options_.max_future || out.ts < now - options_.max_age) {
        return reject(RejectReason::timestamp_out_of_range, "ts");
    }
    if (out.labels.size() > 1) {
        // Keep the allow-list order so label vectors compare equal across events.
        std::vector<std::pair<std::string, std::string>> sorted;
        for (const auto& a : options_.allowed_labels) {
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

bool EventParser::split_array(std::string& buffer,
                              const std::function<void(std::string_view)>& fn) {
    if (buffer.capacity() < buffer.size() + kJsonPadding) buffer.reserve(buffer.size() + kJsonPadding);
    od::document doc;
    if (impl_->outer.iterate(buffer.data(), buffer.size(), buffer.capacity()).get(doc)) return false;
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

}  // namespace noctua::streams
