#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "noctua/core/result.hpp"

namespace noctua::core {

/// "a, b, c": names joined for messages that list the known ones.
[[nodiscard]] inline std::string join_names(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) {
        if (!out.empty()) out += ", ";
        out += n;
    }
    return out;
}

/// The factories of one family of kinds (probe kinds, rule kinds, receiver kinds, stream
/// sources), by the name the configuration's `kind` key uses. `Factory` has
/// `std::string_view kind() const`.
///
/// Life cycle: each library registers its built-in kinds with one explicit function
/// (`register_builtin_probes(ProbeRegistry&)`; no static self-registration, which a static
/// library would drop together with the object file nothing refers to), the daemon calls
/// freeze(), and from then on the registry is read-only, so any thread may read it without a
/// lock. Registering a kind twice, or after freeze(), is a programming error and aborts.
///
/// A registry may be declared with its family's kinds (the configuration's list of them,
/// config::KindFamily): then registering a kind that is not declared, and freezing while a
/// declared one has no factory, are programming errors too, so that the kinds the
/// configuration accepts and the kinds that can be created are one list.
template <class Factory>
class Registry {
public:
    /// `what` names one registered thing in messages: "probe kind", "receiver kind";
    /// `declared` (outliving the registry), when not empty, is every kind it must hold.
    explicit Registry(std::string what, std::span<const std::string_view> declared = {})
        : what_(std::move(what)), declared_(declared) {}
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;
    Registry(Registry&&) noexcept = default;
    Registry& operator=(Registry&&) noexcept = default;

    /// Registers `factory` under its kind(). Aborts on null, on a kind registered already and
    /// once the registry is frozen.
    void add(std::unique_ptr<Factory> factory) {
        if (factory == nullptr) die("(null)", "registered without a factory");
        std::string kind{factory->kind()};
        if (frozen_) die(kind, "registered after start-up (the registry is frozen)");
        if (factories_.contains(kind)) die(kind, "registered twice");
        if (!declared_.empty() &&
            std::find(declared_.begin(), declared_.end(), kind) == declared_.end()) {
            die(kind, "registered but not in its family's kind list (config/kinds.hpp)");
        }
        factories_.emplace(std::move(kind), std::move(factory));
    }

    /// Makes the registry read-only: add() aborts from now on. Aborts when a declared kind has
    /// no factory.
    void freeze() {
        for (const auto kind : declared_) {
            if (!factories_.contains(kind)) die(std::string(kind), "declared but never registered");
        }
        frozen_ = true;
    }
    [[nodiscard]] bool frozen() const { return frozen_; }

    /// The factory of `kind`, or null.
    [[nodiscard]] const Factory* find(std::string_view kind) const {
        auto it = factories_.find(kind);
        return it == factories_.end() ? nullptr : it->second.get();
    }

    /// The factory of `kind`, or an `invalid_argument` error listing the known kinds sorted:
    /// `unknown probe kind "x" (known: dns, http)`, or `(known: none)`.
    [[nodiscard]] Result<std::reference_wrapper<const Factory>> get(std::string_view kind) const {
        if (const auto* f = find(kind)) return std::cref(*f);
        const auto known = kinds();
        return fail(Errc::invalid_argument,
                    "unknown " + what_ + " \"" + std::string(kind) + "\" (known: " +
                        (known.empty() ? std::string("none") : join_names(known)) + ")");
    }

    /// The registered kinds, sorted.
    [[nodiscard]] std::vector<std::string> kinds() const {
        std::vector<std::string> out;
        out.reserve(factories_.size());
        for (const auto& entry : factories_) out.push_back(entry.first);
        return out;
    }

    [[nodiscard]] const std::string& what() const { return what_; }
    [[nodiscard]] std::size_t size() const { return factories_.size(); }

private:
    [[noreturn]] void die(const std::string& kind, const char* why) const {
        std::fprintf(stderr, "noctua: programming error: %s \"%s\" %s\n",
                     what_.c_str(), kind.c_str(), why);
        std::abort();
    }

    std::string what_;
    std::span<const std::string_view> declared_;
    std::map<std::string, std::unique_ptr<Factory>, std::less<>> factories_;
    bool frozen_ = false;
};

}  // namespace noctua::core
