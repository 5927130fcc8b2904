#include "noctua/streams/event.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <simdjson.h>

#include "event_kernel.hpp"

namespace noctua::streams {
namespace {

constexpr std::array<std::string_view, kStatusCount> kStatusNames = {"success", "failed", "pending",
                                                                     "timeout", "refunded"};
constexpr std::array<std::string_view, kRejectReasonCount> kReasonNames = {
    "none",       "invalid_json",  "invalid_utf8",   "too_large",         "missing_field",
    "wrong_type", "invalid_value", "invalid_status", "invalid_timestamp", "timestamp_out_of_range"};

}  // namespace

std::string_view to_string(TxStatus s) { return kStatusNames[static_cast<std::size_t>(s)]; }
std::string_view to_string(RejectReason r) { return kReasonNames[static_cast<std::size_t>(r)]; }

// What the simdjson kernels do with the values they read (event_kernel.hpp): compiled once,
// here, rather than once per kernel.
namespace detail {
namespace {

Rejection reject(RejectReason r, std::string_view field = {}) { return Rejection{r, field}; }

/// `s == lit` with the length known at compile time, so the comparison is inlined.
template <std::size_t N>
bool is(std::string_view s, const char (&lit)[N]) {
    return s.size() == N - 1 && std::memcmp(s.data(), lit, N - 1) == 0;
}

std::optional<TxStatus> status_of(std::string_view s) {
    for (std::size_t i = 0; i < kStatusNames.size(); ++i) {
        if (s == kStatusNames[i]) return static_cast<TxStatus>(i);
    }
    return std::nullopt;
}

bool is_upper_alpha2(std::string_view s) {
    return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

/// `out = s`, without a call to memcpy for the short values events are made of (ids, names,
/// codes): two overlapping loads and stores of 8 or 4 bytes, all within `s` and `out`.
void assign(std::string& out, std::string_view s) {
    // The size comes from `s`: libstdc++ 12 passes the operation the new capacity instead.
    out.resize_and_overwrite(s.size(), [s](char* d, std::size_t) {
        const char* src = s.data();
        const std::size_t n = s.size();
        if (n >= 8 && n <= 16) {
            std::uint64_t a = 0, b = 0;
            std::memcpy(&a, src, 8);
            std::memcpy(&b, src + n - 8, 8);
            std::memcpy(d, &a, 8);
            std::memcpy(d + n - 8, &b, 8);
        } else if (n >= 4 && n < 8) {
            std::uint32_t a = 0, b = 0;
            std::memcpy(&a, src, 4);
            std::memcpy(&b, src + n - 4, 4);
            std::memcpy(d, &a, 4);
            std::memcpy(d + n - 4, &b, 4);
        } else if (n < 4) {
            for (std::size_t i = 0; i < n; ++i) d[i] = src[i];
        } else {
            std::memcpy(d, src, n);
        }
        return n;
    });
}

/// Stores a string field; over-long or (unless allowed) empty values are invalid.
Rejection store(std::string_view s, Field f, std::string& out, std::size_t max,
                bool allow_empty = false) {
    if (s.size() > max || (!allow_empty && s.empty())) {
        return reject(RejectReason::invalid_value, field_name(f));
    }
    assign(out, s);
    return {};
}

}  // namespace

Field field_of(std::string_view key) {
    // Dispatch on length first: most keys are told apart by it.
    switch (key.size()) {
        case 2:
            if (is(key, "id")) return Field::id;
            if (is(key, "ts")) return Field::ts;
            break;
        case 6:
            if (is(key, "status")) return Field::status;
            if (is(key, "amount")) return Field::amount;
            if (is(key, "labels")) return Field::labels;
            break;
        case 7:
            if (is(key, "balance")) return Field::balance;
            if (is(key, "country")) return Field::country;
            if (is(key, "product")) return Field::product;
            break;
        case 8:
            if (is(key, "provider")) return Field::provider;
            if (is(key, "operator")) return Field::operator_name;
            if (is(key, "customer")) return Field::customer;
            if (is(key, "currency")) return Field::currency;
            break;
        case 10:
            if (is(key, "error_code")) return Field::error_code;
            if (is(key, "latency_ms")) return Field::latency_ms;
            break;
        default:
            break;
    }
    return Field::other;
}

std::string_view field_name(Field f) {
    // In Field's order.
    static constexpr std::array<std::string_view, 15> kNames = {
        "",        "id",       "ts",         "provider",  "status",     "operator", "country",
        "product", "customer", "error_code", "currency",  "latency_ms", "amount",   "labels",
        "balance"};
    const auto i = static_cast<std::size_t>(f);
    return i < kNames.size() ? kNames[i] : "";
}

EventBuilder::EventBuilder(TxEvent& out) : out_(out) {
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
    out.has_balance = false;
}

Rejection EventBuilder::string(Field f, std::string_view s) {
    switch (f) {
        case Field::id:
            return store(s, f, out_.id, kMaxIdBytes);
        case Field::ts: {
            std::int64_t ms = 0;
            if (!core::parse_rfc3339_ms(s, ms))
                return reject(RejectReason::invalid_timestamp, "ts");
            ts_ms(ms);
            return {};
        }
        case Field::status: {
            const auto status = status_of(s);
            if (!status) return reject(RejectReason::invalid_status, "status");
            out_.status = *status;
            has_status_ = true;
            return {};
        }
        case Field::provider:
            return store(s, f, out_.provider, kMaxValueBytes);
        case Field::operator_name:
            return store(s, f, out_.operator_name, kMaxValueBytes);
        case Field::country: {
            if (auto r = store(s, f, out_.country, 2)) return r;
            if (!is_upper_alpha2(out_.country))
                return reject(RejectReason::invalid_value, "country");
            return {};
        }
        case Field::product:
            return store(s, f, out_.product, kMaxValueBytes);
        case Field::customer:
            return store(s, f, out_.customer, kMaxValueBytes);
        case Field::error_code:
            return store(s, f, out_.error_code, kMaxValueBytes, true);
        case Field::currency:
            return store(s, f, out_.currency, 8);
        case Field::other:
        case Field::latency_ms:
        case Field::amount:
        case Field::labels:
        case Field::balance:
            break;  // not strings: the callers never pass them
    }
    return {};
}

Rejection EventBuilder::number(Field f, double d) {
    if (!std::isfinite(d)) return reject(RejectReason::invalid_value, field_name(f));
    if (f == Field::latency_ms) {
        if (d < 0) return reject(RejectReason::invalid_value, "latency_ms");
        out_.latency_ms = d;
        out_.has_latency = true;
    } else if (f == Field::amount) {
        out_.amount = d;
        out_.has_amount = true;
    } else if (f == Field::balance) {
        out_.balance = d;
        out_.has_balance = true;
    }
    return {};
}

void EventBuilder::ts_ms(std::int64_t ms) {
    out_.ts = core::TimePoint{std::chrono::milliseconds{ms}};
    has_ts_ = true;
}

Rejection EventBuilder::finish(core::TimePoint now, const ParseOptions& options) {
    TxEvent& out = out_;
    if (out.id.empty()) return reject(RejectReason::missing_field, "id");
    if (!has_ts_) return reject(RejectReason::missing_field, "ts");
    if (out.provider.empty()) return reject(RejectReason::missing_field, "provider");
    if (!has_status_) return reject(RejectReason::missing_field, "status");
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

}  // namespace detail

struct EventParser::Impl {
    std::unique_ptr<detail::KernelParser> kernel;
};

namespace {

/// Whether simdjson says this CPU runs its kernel `name`.
bool cpu_runs(const char* name) {
    const auto* impl = simdjson::get_available_implementations()[name];
    return impl != nullptr && impl->supported_by_runtime_system();
}

std::unique_ptr<detail::KernelParser> make_kernel(std::string_view wanted) {
    using Factory = std::unique_ptr<detail::KernelParser> (*)();
    struct Candidate {
        const char* name;
        Factory make;
    };
    // Best first.
    static constexpr Candidate kKernels[] = {
#if NOCTUA_EVENT_KERNELS_X86
        {"icelake", &detail::make_icelake_kernel},
        {"haswell", &detail::make_haswell_kernel},
#endif
        {"generic", &detail::make_generic_kernel},
    };
    for (const auto& k : kKernels) {
        const bool runs = std::string_view(k.name) == "generic" || cpu_runs(k.name);
        if (runs && (wanted.empty() || wanted == k.name)) return k.make();
    }
    return detail::make_generic_kernel();
}

}  // namespace

EventParser::EventParser(ParseOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
    impl_->kernel = make_kernel(options_.kernel);
}
EventParser::~EventParser() = default;

Rejection EventParser::parse(std::string_view json, std::size_t padded_capacity,
                             core::TimePoint now, TxEvent& out) {
    return impl_->kernel->parse(json, padded_capacity, now, options_, out);
}

bool EventParser::split_array(std::string& buffer,
                              const std::function<void(std::string_view)>& fn) {
    return impl_->kernel->split_array(buffer, fn);
}

std::string_view EventParser::kernel_name() const { return impl_->kernel->name(); }

}  // namespace noctua::streams
