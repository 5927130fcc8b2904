// The built-in stream kinds, registered explicitly (docs/architecture.md, "Kinds and registries");
// each lives in sources/.
#include "noctua/streams/source.hpp"
#include "sources/kinds.hpp"

namespace noctua::streams {
namespace detail {

std::unique_ptr<SourceFactory> make_factory(SourceSpec spec) {
    return std::make_unique<config::SpecFactory<SourceFactory, SourceSpec>>(spec);
}

std::unexpected<core::Error> needs(const config::StreamConfig& c, std::string_view what) {
    return core::fail(core::Errc::invalid_argument,
                      c.kind + " stream \"" + c.id + "\" needs " + std::string(what));
}

}  // namespace detail

void register_builtin_sources(SourceRegistry& registry) {
    registry.add(detail::make_file_factory());
    registry.add(detail::make_http_factory());
    registry.add(detail::make_kafka_factory());
}

}  // namespace noctua::streams
