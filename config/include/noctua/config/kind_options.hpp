#pragma once

// A kind's own options, and the parsers that read them. Config reads the keys every entry of
// a family shares (a receiver's name, url, timeouts, retries; a stream's id; a probe's id,
// provider and schedule; a rule's name, labels and match); each kind reads its own keys with the
// parser its registry supplies (alerts::ChannelRegistry::add_parsers,
// detect::DetectorRegistry::add_parsers, streams::SourceRegistry::add_parsers,
// probes::SuiteRegistry::add_parsers, probes::ProbeRegistry::add_parsers), into a struct
// declared beside the kind. Config never names a kind's struct.

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include "noctua/core/assert.hpp"

namespace noctua::config {

class Section;
struct ProbeConfig;
struct ProviderConfig;
struct ReceiverConfig;
struct RuleConfig;
struct StatusTestConfig;
struct StreamConfig;

/// One value of a kind's options struct (copyable, equality-comparable), or nothing. Copies
/// share the immutable value; two compare equal when both are empty or both hold equal values
/// of the same type.
class KindOptions {
public:
    KindOptions() = default;

    /// Options holding `value`.
    template <class T>
    [[nodiscard]] static KindOptions of(T value) {
        KindOptions out;
        out.p_ = std::make_shared<const Holder<T>>(std::move(value));
        return out;
    }

    [[nodiscard]] bool empty() const { return p_ == nullptr; }

    /// The held T, or a default T when empty (an entry read without its kind's parser, whose
    /// keys beyond the common ones were then refused). Holding another type is a programming
    /// error and aborts.
    template <class T>
    [[nodiscard]] const T& get() const {
        static const T kDefault{};
        if (p_ == nullptr) return kDefault;
        const auto* held = dynamic_cast<const Holder<T>*>(p_.get());
        NOCTUA_CHECK(held != nullptr);
        return held->value;
    }

    friend bool operator==(const KindOptions& a, const KindOptions& b) {
        if (a.p_ == b.p_) return true;
        return a.p_ != nullptr && b.p_ != nullptr && a.p_->equals(*b.p_);
    }

private:
    struct Base {
        virtual ~Base() = default;
        [[nodiscard]] virtual bool equals(const Base& other) const = 0;
    };
    template <class T>
    struct Holder final : Base {
        explicit Holder(T v) : value(std::move(v)) {}
        bool equals(const Base& other) const override {
            const auto* o = dynamic_cast<const Holder*>(&other);
            return o != nullptr && o->value == value;
        }
        T value;
    };
    std::shared_ptr<const Base> p_;
};

/// Reads one receiver kind's own keys of a `[[receivers]]` entry `s`, whose common keys config
/// has read into `common` (name, kind, url, timeouts, retries, rate limit). It checks every key
/// of the entry (check_receiver_keys), reports each problem at its position and returns the
/// kind's options; it may clear `common.url` when the URL does not suit the kind.
using ReceiverParser = std::function<KindOptions(const Section& s, ReceiverConfig& common)>;

/// Reads one stream kind's own keys of a `[[streams]]` entry `s`, whose common keys (id, kind)
/// config has read into `common` and whose keys config has checked against every stream kind's
/// (KeyedParser::keys). Reports each problem at its position and returns the kind's options.
using StreamParser = std::function<KindOptions(const Section& s, StreamConfig& common)>;

/// Reads one status-test kind's own keys of a `[[status_tests]]` entry `s`, whose common keys
/// (id, kind, provider, schedule, timezone, notify) config has read into `common` and whose
/// keys config has checked against every status-test kind's (KeyedParser::keys). Fills
/// `common.steps` (read_suite_steps()), reports each problem at its position and returns the
/// kind's options.
using SuiteParser = std::function<KindOptions(const Section& s, StatusTestConfig& common)>;

/// Reads one probe kind's own keys of a `[[probes]]` entry `s`, whose common keys (id,
/// provider, kind, schedule, labels) config has read into `common` and whose keys config has
/// checked against every probe kind's (KeyedParser::keys). `provider` is the probe's provider,
/// or null when it names none that is defined (config reports that): kinds resolve paths
/// against its base_url. Reports each problem at its position and returns the kind's options.
using ProbeParser = std::function<KindOptions(const Section& s, const ProbeConfig& common,
                                              const ProviderConfig* provider)>;

/// Reads one rule kind's own keys of a `[[rules]]` entry `s`, whose common keys (name, kind,
/// labels, annotations, match, keep_firing_for, and `probes` and `severity` when the kind lists
/// them) config has read into `common` and whose keys config has checked against every rule
/// kind's (KeyedParser::keys). Reports each problem at its position and returns the kind's
/// options.
using RuleParser = std::function<KindOptions(const Section& s, RuleConfig& common)>;

/// A kind's parser with the keys it reads beyond its family's common ones. Config refuses a
/// key no kind of the family reads, and names the kind a key of another kind belongs to
/// ("queue_limit applies to kind \"http\" streams, not \"file\"").
template <class Parser>
struct KeyedParser {
    std::vector<std::string> keys;
    Parser parse;
};

/// A family's keyed parsers by kind.
template <class Parser>
using KeyedParsers = std::map<std::string, KeyedParser<Parser>, std::less<>>;

/// The kinds' parsers, by family, as the kinds' registries supply them; load_file() and
/// load_string() hand each entry to the parser of its kind. An entry whose kind has no parser
/// gets the generic checks only: its keys beyond the common ones are unknown keys and its
/// options are empty. Filled before a load, then read-only (safe to share between threads).
class KindParsers {
public:
    /// Registers the parser of receiver kind `kind`; registering a kind twice aborts.
    void add_receiver(std::string_view kind, ReceiverParser parse) {
        NOCTUA_CHECK(receivers_.emplace(std::string(kind), std::move(parse)).second);
    }
    /// The parser of receiver kind `kind`, or null.
    [[nodiscard]] const ReceiverParser* receiver(std::string_view kind) const {
        const auto it = receivers_.find(kind);
        return it == receivers_.end() ? nullptr : &it->second;
    }

    /// Registers the parser of rule kind `kind`, which reads `keys`; registering a kind twice
    /// aborts.
    void add_rule(std::string_view kind, std::span<const std::string_view> keys, RuleParser parse) {
        add_keyed(rules_, kind, keys, std::move(parse));
    }
    /// Every rule kind's parser.
    [[nodiscard]] const KeyedParsers<RuleParser>& rules() const { return rules_; }

    /// Registers the parser of stream kind `kind`, which reads `keys`; registering a kind
    /// twice aborts.
    void add_stream(std::string_view kind, std::span<const std::string_view> keys,
                    StreamParser parse) {
        add_keyed(streams_, kind, keys, std::move(parse));
    }
    /// Every stream kind's parser.
    [[nodiscard]] const KeyedParsers<StreamParser>& streams() const { return streams_; }
    /// Registers the parser of status-test kind `kind`, which reads `keys`; registering a kind
    /// twice aborts.
    void add_suite(std::string_view kind, std::span<const std::string_view> keys,
                   SuiteParser parse) {
        add_keyed(suites_, kind, keys, std::move(parse));
    }
    /// Every status-test kind's parser.
    [[nodiscard]] const KeyedParsers<SuiteParser>& suites() const { return suites_; }

    /// Registers the parser of probe kind `kind`, which reads `keys`; registering a kind twice
    /// aborts.
    void add_probe(std::string_view kind, std::span<const std::string_view> keys,
                   ProbeParser parse) {
        add_keyed(probes_, kind, keys, std::move(parse));
    }
    /// Every probe kind's parser.
    [[nodiscard]] const KeyedParsers<ProbeParser>& probes() const { return probes_; }

private:
    template <class Parser>
    static void add_keyed(KeyedParsers<Parser>& family, std::string_view kind,
                          std::span<const std::string_view> keys, Parser parse) {
        KeyedParser<Parser> entry{{keys.begin(), keys.end()}, std::move(parse)};
        NOCTUA_CHECK(family.emplace(std::string(kind), std::move(entry)).second);
    }

    std::map<std::string, ReceiverParser, std::less<>> receivers_;
    KeyedParsers<RuleParser> rules_;
    KeyedParsers<StreamParser> streams_;
    KeyedParsers<SuiteParser> suites_;
    KeyedParsers<ProbeParser> probes_;
};

}  // namespace noctua::config
