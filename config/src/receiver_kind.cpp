// A `[[receivers]]` entry: the keys every kind shares, read here, then the kind's own keys,
// read by the kind's parser (config::KindParsers), and the checks those parsers share.
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "noctua/config/receiver_kind.hpp"
#include "parse.hpp"
#include "text.hpp"

namespace noctua::config {

void check_receiver_keys(const Section& s, std::span<const std::string_view> own,
                         std::span<const std::string_view> secrets) {
    std::vector<std::string> names;
    for (const auto key : secrets) {
        for (const char* suffix : {"", "_env", "_file"}) names.push_back(std::string(key) + suffix);
    }
    std::vector<std::string_view> known(std::begin(kReceiverCommonKeys),
                                        std::end(kReceiverCommonKeys));
    known.insert(known.end(), own.begin(), own.end());
    known.insert(known.end(), names.begin(), names.end());
    s.check_keys(known);
}

std::optional<Secret> read_receiver_secret(const Section& s, const ReceiverConfig& common,
                                           std::string_view key, bool required) {
    auto secret = read_secret(s, key, true);
    if (required && !secret) {
        bool given = false;
        for (const char* suffix : {"", "_env", "_file"}) {
            given = given || s.contains(std::string(key) + suffix);
        }
        if (!given) {
            s.error(fmt::format("{} receivers need one of {}, {}_env or {}_file", common.kind, key,
                                key, key));
        }
    }
    return secret;
}

void check_receiver_url(const Section& s, ReceiverConfig& common, UrlUse use,
                        std::span<const std::string_view> schemes) {
    constexpr std::string_view kKeys[] = {"url", "url_env", "url_file"};
    if (use == UrlUse::none) {
        for (const auto key : kKeys) {
            if (s.contains(key)) s.error(key, fmt::format("{} receivers take no url", common.kind));
        }
        common.url.reset();
        return;
    }
    // The URL may come from a secret: name where it came from, never the value.
    if (common.url) {
        if (auto problem = url_problem(common.url->reveal(), schemes)) {
            const std::string_view key = s.contains("url")       ? "url"
                                         : s.contains("url_env") ? "url_env"
                                                                 : "url_file";
            s.error(key, common.url->source() == "inline"
                             ? *problem
                             : fmt::format("url from {} {}", common.url->source(), *problem));
            common.url.reset();
        }
    }
    const bool given = s.contains("url") || s.contains("url_env") || s.contains("url_file");
    if (use == UrlUse::required && !given) {
        s.error(fmt::format("{} receivers need one of url, url_env or url_file", common.kind));
    }
}

}  // namespace noctua::config

namespace noctua::config::detail {

ReceiverConfig parse_receiver(const Section& s, const KindParsers& kinds) {
    constexpr int kIntMax = std::numeric_limits<int>::max();
    ReceiverConfig out;
    if (s.require("name") && s.read_string("name", out.name)) check_id(s, "name", out.name);
    const bool has_kind = s.require("kind") && read_kind(s, kReceiverKinds, out.kind);
    out.url = read_secret(s, "url", true);
    s.read_int("rate_limit", out.rate_limit, 0, 1'000'000);
    s.read_positive_duration("rate_period", out.rate_period);
    s.read_positive_duration("timeout", out.timeout);
    s.read_bool("send_resolved", out.send_resolved);
    s.read_int("max_attempts", out.max_attempts, 1, kIntMax);
    s.read_positive_duration("initial_backoff", out.initial_backoff);
    s.read_positive_duration("max_backoff", out.max_backoff);
    if (out.max_backoff < out.initial_backoff) {
        s.error(s.contains("max_backoff") ? "max_backoff" : "initial_backoff",
                fmt::format("max_backoff ({}) must not be less than initial_backoff ({})",
                            core::format_duration(out.max_backoff),
                            core::format_duration(out.initial_backoff)));
    }
    const ReceiverParser* parse = has_kind ? kinds.receiver(out.kind) : nullptr;
    if (parse != nullptr) {
        out.options = (*parse)(s, out);
    } else {
        check_receiver_keys(s, {});
        check_receiver_url(s, out, UrlUse::optional);
    }
    return out;
}

}  // namespace noctua::config::detail
