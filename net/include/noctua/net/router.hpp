#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/core/http.hpp"

namespace noctua::net {

/// Values captured from `{name}` segments of a route pattern.
using PathParams = std::map<std::string, std::string, std::less<>>;

/// Maps (method, path pattern) to handlers. Patterns are literal segments and `{name}`
/// captures, e.g. "/api/v1/probes/{id}/run". Unknown paths answer 404 and a known path with
/// another method 405 with an Allow header, both with JSON bodies. HEAD is answered by the GET
/// route when no HEAD route exists (the server then sends headers only).
///
/// Matching is exact on segments (no trailing-slash folding). A capture matches one non-empty
/// segment and its value is percent-decoded; a literal segment beats a capture at the first
/// position where two matching patterns differ, whatever the registration order.
///
/// Built once at start-up, then read-only: safe to dispatch from any thread. Handlers run on
/// the thread that calls dispatch(); the HttpServer calls it from each connection's strand, so
/// handlers of different connections may run concurrently and must be thread-safe.
class Router {
public:
    using Respond = std::function<void(core::ServerResponse)>;
    /// A synchronous handler: plain function of the request, testable without sockets.
    using Handler = std::function<core::ServerResponse(const core::ServerRequest&, const PathParams&)>;
    /// An asynchronous handler: calls `respond` exactly once, from any thread.
    using AsyncHandler =
        std::function<void(const core::ServerRequest&, const PathParams&, Respond respond)>;

    /// Registers a synchronous route. `pattern` must start with '/'; registering the same
    /// method and pattern twice (captures compare equal whatever their names) aborts: it is a
    /// programming error found at start-up.
    void add(std::string method, std::string pattern, Handler handler);
    /// Registers an asynchronous route; same rules as add(). If the handler drops `respond`
    /// without calling it, the request is answered with 500; calls after the first are ignored.
    void add_async(std::string method, std::string pattern, AsyncHandler handler);

    /// Finds the route and runs it; `respond` is called exactly once. A handler that throws
    /// is answered with 500 (and never takes the server down).
    void dispatch(const core::ServerRequest& request, Respond respond) const;

    /// Convenience for tests and synchronous callers: dispatch and return the response;
    /// only valid for routes that answer before returning.
    [[nodiscard]] core::ServerResponse dispatch_sync(const core::ServerRequest& request) const;

private:
    struct Route {
        std::string method;
        std::vector<std::string> segments;  // "{id}" marks a capture
        AsyncHandler handler;
    };
    std::vector<Route> routes_;
};

}  // namespace noctua::net
