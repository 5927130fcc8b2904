#include "noctua/net/router.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <utility>

#include "noctua/core/assert.hpp"

namespace noctua::net {
namespace {

bool is_capture(std::string_view segment) {
    return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// "/a/b" -> {"a", "b"}; "/" -> {}; empty segments are kept so "/a//b" never matches "/a/b".
std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> segments;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    if (path.empty()) return segments;
    while (true) {
        auto slash = path.find('/');
        segments.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return segments;
}

bool matches(const std::vector<std::string>& pattern, const std::vector<std::string_view>& path) {
    if (pattern.size() != path.size()) return false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (is_capture(pattern[i])) {
            if (path[i].empty()) return false;
        } else if (pattern[i] != path[i]) {
            return false;
        }
    }
    return true;
}

// True when `a` is more specific than `b` (both match the same path).
bool more_specific(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        bool a_literal = !is_capture(a[i]);
        bool b_literal = !is_capture(b[i]);
        if (a_literal != b_literal) return a_literal;
    }
    return false;
}

bool same_shape(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (is_capture(a[i]) != is_capture(b[i])) return false;
        if (!is_capture(a[i]) && a[i] != b[i]) return false;
    }
    return true;
}

// Shared by every copy of the `respond` handed to a handler: forwards the first response only,
// and answers 500 if the last copy is dropped without any response.
class RespondOnce {
public:
    explicit RespondOnce(Router::Respond respond)
        : state_(std::make_shared<State>(std::move(respond))) {}

    void operator()(core::ServerResponse response) const {
        // A second call is a handler bug; the first answer has already gone out.
        if (state_->done.exchange(true)) return;
        // Let go of the target at once: copies of `respond` kept by a handler must not pin
        // the connection it answers.
        auto respond = std::move(state_->respond);
        state_->respond = nullptr;
        respond(std::move(response));
    }

private:
    struct State {
        explicit State(Router::Respond r) : respond(std::move(r)) {}
        State(const State&) = delete;
        State& operator=(const State&) = delete;
        ~State() {
            if (done.exchange(true)) return;
            // Destructors must not throw; a failure here only loses an error answer.
            try {
                respond(core::ServerResponse::json_error(500, "handler did not respond"));
            } catch (...) {
            }
        }
        Router::Respond respond;
        std::atomic<bool> done{false};
    };
    std::shared_ptr<State> state_;
};

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
    NOCTUA_CHECK(handler != nullptr);
    add_async(std::move(method), std::move(pattern),
              [handler = std::move(handler)](const core::ServerRequest& request,
                                             const PathParams& params, Respond respond) {
                  respond(handler(request, params));
              });
}

void Router::add_async(std::string method, std::string pattern, AsyncHandler handler) {
    NOCTUA_CHECK(!method.empty());
    NOCTUA_CHECK(!pattern.empty() && pattern.front() == '/');
    NOCTUA_CHECK(handler != nullptr);
    std::vector<std::string> segments;
    for (auto segment : split_path(pattern)) segments.emplace_back(segment);
    for (const auto& route : routes_) {
        // The same method and pattern twice is a programming error found at start-up.
        NOCTUA_CHECK(!(route.method == method && same_shape(route.segments, segments)));
    }
    routes_.push_back(Route{std::move(method), std::move(segments), std::move(handler)});
}

void Router::dispatch(const core::ServerRequest& request, Respond respond) const {
    RespondOnce once{std::move(respond)};
    const auto path = split_path(request.path);

    const Route* best = nullptr;
    const Route* best_get = nullptr;
    std::vector<std::string_view> allowed;
    for (const auto& route : routes_) {
        if (!matches(route.segments, path)) continue;
        allowed.push_back(route.method);
        if (route.method == request.method) {
            if (best == nullptr || more_specific(route.segments, best->segments)) best = &route;
        } else if (route.method == "GET") {
            if (best_get == nullptr || more_specific(route.segments, best_get->segments)) {
                best_get = &route;
            }
        }
    }
    if (best == nullptr && request.method == "HEAD") best = best_get;

    if (best == nullptr) {
        if (allowed.empty()) {
            once(core::ServerResponse::json_error(404, "not found"));
            return;
        }
        if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end()) {
            allowed.push_back("HEAD");
        }
        std::sort(allowed.begin(), allowed.end());
        allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
        std::string allow;
        for (auto method : allowed) {
            if (!allow.empty()) allow += ", ";
            allow += method;
        }
        auto response = core::ServerResponse::json_error(405, "method not allowed");
        response.headers.emplace_back("Allow", std::move(allow));
        once(std::move(response));
        return;
    }

    // Handlers are our code but see hostile input: nothing they throw may escape.
    try {
        PathParams params;
        for (std::size_t i = 0; i < best->segments.size(); ++i) {
            const auto& segment = best->segments[i];
            if (!is_capture(segment)) continue;
            params.emplace(segment.substr(1, segment.size() - 2), core::percent_decode(path[i], false));
        }
        best->handler(request, params, once);
    } catch (...) {
        once(core::ServerResponse::json_error(500, "internal error"));
    }
}

core::ServerResponse Router::dispatch_sync(const core::ServerRequest& request) const {
    // Shared, because an async route may still answer after we have given up on it.
    struct Slot {
        std::optional<core::ServerResponse> response;
        std::atomic<bool> ready{false};
    };
    auto slot = std::make_shared<Slot>();
    dispatch(request, [slot](core::ServerResponse response) {
        slot->response = std::move(response);
        slot->ready.store(true, std::memory_order_release);
    });
    if (slot->ready.load(std::memory_order_acquire)) return std::move(*slot->response);
    return core::ServerResponse::json_error(500, "handler did not answer synchronously");
}

}  // namespace noctua::net
