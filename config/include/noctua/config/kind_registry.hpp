#pragma once

// The plug-in shape every family of kinds shares (docs/architecture.md, "Kinds and
// registries"): a factory interface per family (probe kinds, status-test kinds, rule kinds,
// stream kinds, receiver kinds) and a registry of those factories that creates by the
// configuration's `kind` and publishes the kinds' parsers to config::KindParsers.

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "noctua/config/kind_options.hpp"
#include "noctua/config/kinds.hpp"
#include "noctua/core/registry.hpp"
#include "noctua/core/result.hpp"

namespace noctua::config {

/// One kind of a family: its name, the keys it reads, its parser, and how it makes the family's
/// objects. `Parser` is the family's parser type (ProbeParser, RuleParser, …), whose signature
/// parse() has; create() takes `CreateArgs` and makes a `T`. Implementations are immutable
/// once registered, so any thread may call them.
template <class Parser, class T, class... CreateArgs>
class KindFactory;

template <class... ParseArgs, class T, class... CreateArgs>
class KindFactory<std::function<KindOptions(ParseArgs...)>, T, CreateArgs...> {
public:
    /// The family's parser type.
    using Parser = std::function<KindOptions(ParseArgs...)>;
    /// The signature of create().
    using Create = core::Result<std::unique_ptr<T>>(CreateArgs...);

    virtual ~KindFactory() = default;
    /// The value of the `kind` key that selects this kind: "http", "downtime", "kafka".
    [[nodiscard]] virtual std::string_view kind() const = 0;
    /// The keys of an entry the kind reads beyond its family's common ones
    /// (KeyedParser::keys); none unless the kind says otherwise.
    [[nodiscard]] virtual std::span<const std::string_view> keys() const { return {}; }
    /// The kind's parser (see the family's `Parser` for what it reads and checks): reads the
    /// kind's own keys of an entry into the options struct declared beside the kind and reports
    /// each problem at its position. Called while the configuration loads
    /// (KindRegistry::add_parsers), on the loading thread.
    [[nodiscard]] virtual KindOptions parse(ParseArgs... args) const = 0;
    /// A `T` for a configuration whose options the kind's parse() read; an error when it cannot
    /// be made (a configuration built without the parser lacks what the kind needs, or a
    /// combination the configuration cannot see is wrong).
    [[nodiscard]] virtual core::Result<std::unique_ptr<T>> create(CreateArgs... args) const = 0;
};

/// The KindFactory of a kind written as plain functions: `Spec` has `kind`, `parse` and
/// `create` (callables with the factory's parse() and create() signatures) and, in a family
/// that keys its parsers, `keys`. Immutable; any thread may call it.
template <class Factory, class Spec, class Parser = typename Factory::Parser,
          class Create = typename Factory::Create>
class SpecFactory;

template <class Factory, class Spec, class... ParseArgs, class R, class... CreateArgs>
class SpecFactory<Factory, Spec, std::function<KindOptions(ParseArgs...)>, R(CreateArgs...)>
    : public Factory {
public:
    explicit SpecFactory(Spec spec) : spec_(std::move(spec)) {}

    // KindFactory
    [[nodiscard]] std::string_view kind() const override { return spec_.kind; }
    [[nodiscard]] std::span<const std::string_view> keys() const override {
        if constexpr (requires { spec_.keys; }) {
            return spec_.keys;
        } else {
            return {};
        }
    }
    [[nodiscard]] KindOptions parse(ParseArgs... args) const override {
        return spec_.parse(std::forward<ParseArgs>(args)...);
    }
    [[nodiscard]] R create(CreateArgs... args) const override {
        return spec_.create(std::forward<CreateArgs>(args)...);
    }

protected:
    [[nodiscard]] const Spec& spec() const { return spec_; }

private:
    Spec spec_;
};

/// The kinds of one family by name: a core::Registry declared with `family`'s kind list, filled
/// at start-up by its library's register_builtin_…() function, then frozen and read-only (any
/// thread may read it). `Factory` is a KindFactory; `add` is the KindParsers member that takes
/// the family's parsers (add_probe, add_rule, …).
template <class Factory, const KindFamily& family, auto add,
          class Create = typename Factory::Create>
class KindRegistry;

template <class Factory, const KindFamily& family, auto add, class R, class Config,
          class... Context>
class KindRegistry<Factory, family, add, R(Config, Context...)> : public core::Registry<Factory> {
public:
    KindRegistry() : core::Registry<Factory>(std::string(family.what), family.kinds) {}

    /// Makes what `config` describes with the factory of its `kind`, handing `config` and
    /// `context` on to that factory's create(); an error naming the known kinds when no kind
    /// is registered by that name, else the factory's result.
    [[nodiscard]] R create(Config config, Context... context) const {
        auto factory = this->get(config.kind);
        if (!factory) return std::unexpected(factory.error());
        return factory->get().create(std::forward<Config>(config),
                                     std::forward<Context>(context)...);
    }

    /// Adds every registered kind's parser (and its keys, where the family keys its parsers)
    /// to `out`. The parsers point into this registry, which must outlive the loads that use
    /// them.
    void add_parsers(KindParsers& out) const {
        for (const auto& kind : this->kinds()) {
            const Factory* factory = this->find(kind);
            typename Factory::Parser parse = [factory](auto&&... args) {
                return factory->parse(std::forward<decltype(args)>(args)...);
            };
            if constexpr (requires { (out.*add)(kind, std::move(parse)); }) {
                (out.*add)(kind, std::move(parse));
            } else {
                (out.*add)(kind, factory->keys(), std::move(parse));
            }
        }
    }
};

}  // namespace noctua::config
