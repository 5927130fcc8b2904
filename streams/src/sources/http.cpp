// http: POST /api/v1/events pushes to it (HttpPush); nothing to start, the daemon's route
// hands it the requests. Authenticated by a bearer token, a Standard Webhooks signature or both.
#include "noctua/streams/http_push.hpp"
#include "noctua/streams/sources/http.hpp"
#include "sources/kinds.hpp"

namespace noctua::streams::detail {
namespace {

constexpr std::string_view kKeys[] = {"body_limit",       "hmac_secret_env", "hmac_secret_file",
                                      "max_decompressed", "queue_limit",     "signature_tolerance",
                                      "token_env",        "token_file"};

class PushSource final : public Source {
public:
    PushSource(const config::StreamConfig& config, SourceContext& ctx)
        : push_(config, ctx.pipeline, ctx.metrics, ctx.clock, ctx.log) {}
    // Source
    void start() override {}
    void stop() override { push_.stop(); }
    HttpPush* push() override { return &push_; }

private:
    HttpPush push_;
};

config::KindOptions parse(const config::Section& s, config::StreamConfig& /*common*/) {
    HttpStreamOptions out;
    out.token = config::read_secret(s, "token", false);
    out.hmac_secret = config::read_secret(s, "hmac_secret", false);
    const bool given = s.contains("token_env") || s.contains("token_file") ||
                       s.contains("hmac_secret_env") || s.contains("hmac_secret_file");
    if (!given) {
        s.error("http streams need a token (token_env or token_file) or an HMAC secret "
                "(hmac_secret_env or hmac_secret_file)");
    }
    s.read_positive_duration("signature_tolerance", out.signature_tolerance);
    s.read_positive_size("body_limit", out.body_limit);
    s.read_positive_size("max_decompressed", out.max_decompressed);
    int queue = 0;
    if (s.read_int("queue_limit", queue, 1, 100000)) {
        out.queue_limit = static_cast<std::size_t>(queue);
    }
    return config::KindOptions::of(std::move(out));
}

core::Result<std::unique_ptr<Source>> create(const config::StreamConfig& c, SourceContext& ctx) {
    const auto& o = c.options.get<HttpStreamOptions>();
    const bool token = o.token && !o.token->empty();
    const bool key = o.hmac_secret && !o.hmac_secret->empty();
    if (!token && !key) return needs(c, "a token or an HMAC secret");
    return std::make_unique<PushSource>(c, ctx);
}

}  // namespace

std::unique_ptr<SourceFactory> make_http_factory() {
    return make_factory({"http", kKeys, parse, create});
}

}  // namespace noctua::streams::detail
