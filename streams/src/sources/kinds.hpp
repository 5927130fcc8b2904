#pragma once

// The built-in stream kinds, one file each under sources/: what each describes of itself.

#include <memory>
#include <span>
#include <string_view>

#include "noctua/config/section.hpp"
#include "noctua/streams/source.hpp"

namespace noctua::streams::detail {

/// A stream kind as its file under sources/ describes it: its name, the keys its parser reads
/// beyond `id` and `kind`, its config::StreamParser and how it makes a source.
struct SourceSpec {
    std::string_view kind;
    std::span<const std::string_view> keys;
    config::KindOptions (*parse)(const config::Section& s, config::StreamConfig& common);
    core::Result<std::unique_ptr<Source>> (*create)(const config::StreamConfig& c,
                                                    SourceContext& ctx);
};

/// The SourceFactory of `spec`.
[[nodiscard]] std::unique_ptr<SourceFactory> make_factory(SourceSpec spec);

/// The error of stream `c` lacking `what`: `<kind> stream "<id>" needs <what>`.
[[nodiscard]] std::unexpected<core::Error> needs(const config::StreamConfig& c,
                                                 std::string_view what);

[[nodiscard]] std::unique_ptr<SourceFactory> make_file_factory();
[[nodiscard]] std::unique_ptr<SourceFactory> make_http_factory();
[[nodiscard]] std::unique_ptr<SourceFactory> make_kafka_factory();

}  // namespace noctua::streams::detail
