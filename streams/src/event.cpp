#include "noctua/streams/event.hpp"

#include <array>
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
    const std::int64_t days =
        days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    const std::int64_t secs =
        days * 86400 + h * 3600 + mi * 60 + std::min(sec, 59) - offset_min * 60;
    return core::TimePoint{std::chrono::milliseconds{secs * 1000 + ms}};
}

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
