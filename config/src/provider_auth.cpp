// `[providers.auth]`: how a provider's probes authenticate, shared by all of them.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "parse.hpp"
#include "text.hpp"

namespace noctua::config::detail {
namespace {

constexpr std::string_view kAuthKeys[] = {
    "audience",          "client_id",          "client_id_env",  "client_id_file", "client_secret",
    "client_secret_env", "client_secret_file", "header",         "key_env",        "key_file",
    "password_env",      "password_file",      "refresh_before", "scope",          "style",
    "timeout",           "token_env",          "token_file",     "token_url",      "type",
    "username"};
constexpr std::string_view kAuthTypes[] = {"api_key", "basic", "bearer",
                                           "oauth2_client_credentials"};

}  // namespace

std::optional<AuthConfig> parse_auth(const Section& provider) {
    auto s = provider.subtable("auth");
    if (!s) return std::nullopt;
    s->check_keys(kAuthKeys);
    AuthConfig auth;
    if (!s->require("type") || !s->read_string("type", auth.type)) return std::nullopt;
    if (std::find(std::begin(kAuthTypes), std::end(kAuthTypes), auth.type) ==
        std::end(kAuthTypes)) {
        s->error("type", unknown_message("auth type", "types", auth.type,
                                         {std::begin(kAuthTypes), std::end(kAuthTypes)}, false));
        return std::nullopt;
    }
    // Keys of one type given to another are mistakes, not options.
    const std::map<std::string_view, std::vector<std::string_view>> keys_of = {
        {"bearer", {"token_env", "token_file"}},
        {"basic", {"username", "password_env", "password_file"}},
        {"api_key", {"header", "key_env", "key_file"}},
        {"oauth2_client_credentials",
         {"token_url", "client_id", "client_id_env", "client_id_file", "client_secret",
          "client_secret_env", "client_secret_file", "audience", "scope", "style", "refresh_before",
          "timeout"}},
    };
    for (const auto& [type, keys] : keys_of) {
        if (type == auth.type) continue;
        for (auto key : keys) {
            const auto& mine = keys_of.at(auth.type);
            if (s->contains(key) && std::find(mine.begin(), mine.end(), key) == mine.end()) {
                s->error(key, fmt::format("not used by auth type {}", quote(auth.type)));
            }
        }
    }
    const auto need = [&](std::optional<Secret> secret, std::string_view base,
                          std::string_view what) {
        if (!secret && !s->contains(std::string(base) + "_env") &&
            !s->contains(std::string(base) + "_file") && !s->contains(base)) {
            s->error(fmt::format("auth type {} needs {} ({}_env or {}_file)", quote(auth.type),
                                 what, base, base));
        }
        return secret;
    };
    if (auth.type == "bearer") {
        auth.token =
            header_safe(*s, "token", need(read_secret(*s, "token", false), "token", "a token"));
    } else if (auth.type == "basic") {
        if (s->require("username")) s->read_string("username", auth.username);
        auth.password = need(read_secret(*s, "password", false), "password", "a password");
    } else if (auth.type == "api_key") {
        std::string header;
        if (s->read_string("header", header)) {
            if (is_header_name(header)) {
                auth.header = std::move(header);
            } else {
                s->error("header", fmt::format("invalid header name {}", quote(header)));
            }
        }
        auth.key = header_safe(*s, "key", need(read_secret(*s, "key", false), "key", "a key"));
    } else {
        if (s->require("token_url") && s->read_string("token_url", auth.token_url)) {
            if (auto problem = http_url_problem(auth.token_url)) s->error("token_url", *problem);
        }
        auth.client_id = need(read_secret(*s, "client_id", true), "client_id", "a client id");
        auth.client_secret =
            need(read_secret(*s, "client_secret", true), "client_secret", "a client secret");
        s->read_string("audience", auth.audience);
        s->read_string("scope", auth.scope);
        std::string style;
        if (s->read_string("style", style)) {
            if (style != "json" && style != "form") {
                s->error("style", fmt::format("unknown style {}: use \"json\" (Reloadly: JSON body "
                                              "with audience) or \"form\" (RFC 6749)",
                                              quote(style)));
            } else {
                auth.style = std::move(style);
            }
        }
        if (auth.style == "json" && auth.audience.empty() && !s->contains("audience")) {
            // Reloadly requires it; an RFC 6749 server does not know it.
            s->error("style \"json\" (Reloadly) needs audience, the product URL the token is for");
        }
        core::Duration d{};
        if (s->read_duration("refresh_before", d)) auth.refresh_before = d;
        s->read_positive_duration("timeout", auth.timeout);
    }
    return auth;
}

}  // namespace noctua::config::detail
