// The built-in stream kinds, registered explicitly (docs/architecture.md, "Kinds and registries");
// each lives in sources/.
#include "noctua/streams/source.hpp"
#include "sources/kinds.hpp"

namespace noctua::streams {
namespace detail {
namespace {

class SpecFactory final : public SourceFactory {
public:
    explicit SpecFactory(SourceSpec spec) : spec_(spec) {}

    // SourceFactory
    std::string_view kind() const override { return spec_.kind; }
    std::span<const std::string_view> keys() const override { return spec_.keys; }
    config::KindOptions parse(const config::Section& s,
                              config::StreamConfig& common) const override {
        return spec_.parse(s, common);
    }
    core::Result<std::unique_ptr<Source>> create(const config::StreamConfig& c,
                                                 SourceContext& ctx) const override {
        return spec_.create(c, ctx);
    }

private:
    SourceSpec spec_;
};

}  // namespace

std::unique_ptr<SourceFactory> make_factory(SourceSpec spec) {
    return std::make_unique<SpecFactory>(spec);
}

std::unexpected<core::Error> needs(const config::StreamConfig& c, std::string_view what) {
    return core::fail(core::Errc::invalid_argument,
                      c.kind + " stream \"" + c.id + "\" needs " + std::string(what));
}

}  // namespace detail

core::Result<std::unique_ptr<Source>> SourceRegistry::create(const config::StreamConfig& config,
                                                             SourceContext& context) const {
    auto factory = get(config.kind);
    if (!factory) return std::unexpected(factory.error());
    return factory->get().create(config, context);
}

void SourceRegistry::add_parsers(config::KindParsers& out) const {
    for (const auto& kind : kinds()) {
        const SourceFactory* factory = find(kind);
        out.add_stream(kind, factory->keys(),
                       [factory](const config::Section& s, config::StreamConfig& c) {
                           return factory->parse(s, c);
                       });
    }
}

void register_builtin_sources(SourceRegistry& registry) {
    registry.add(detail::make_file_factory());
    registry.add(detail::make_http_factory());
    registry.add(detail::make_kafka_factory());
}

}  // namespace noctua::streams
