// file: JSON-lines files matched by globs, followed by a tail thread of its own (FileTail).
#include "noctua/streams/sources/file.hpp"
#include "noctua/streams/file_tail.hpp"
#include "sources/kinds.hpp"

namespace noctua::streams::detail {
namespace {

constexpr std::string_view kKeys[] = {"paths", "poll_interval", "start_at_end"};

class TailSource final : public Source {
public:
    TailSource(const config::StreamConfig& config, SourceContext& ctx)
        : tail_(config, ctx.pipeline, ctx.metrics, ctx.checkpoint) {}
    // Source
    void start() override { tail_.start(); }
    void stop() override { tail_.stop(); }

private:
    FileTail tail_;
};

config::KindOptions parse(const config::Section& s, config::StreamConfig& /*common*/) {
    FileStreamOptions out;
    if (s.require("paths") && s.read_string_list("paths", out.paths) && out.paths.empty()) {
        s.error("paths", "must list at least one file or glob");
    }
    s.read_positive_duration("poll_interval", out.poll_interval);
    s.read_bool("start_at_end", out.start_at_end);
    return config::KindOptions::of(std::move(out));
}

core::Result<std::unique_ptr<Source>> create(const config::StreamConfig& c, SourceContext& ctx) {
    if (c.options.get<FileStreamOptions>().paths.empty()) return needs(c, "paths");
    return std::make_unique<TailSource>(c, ctx);
}

}  // namespace

std::unique_ptr<SourceFactory> make_file_factory() {
    return make_factory({"file", kKeys, parse, create});
}

}  // namespace noctua::streams::detail
