#pragma once

#include <expected>
#include <string>
#include <utility>

namespace noctua::core {

/// Bounded classes of runtime errors; the message carries the detail.
enum class Errc {
    invalid_argument,
    parse,
    not_found,
    io,
    timeout,
    cancelled,
    unavailable,
    internal,
};

/// An error travelling through `Result`: a bounded code plus a human message.
struct Error {
    Errc code = Errc::internal;
    std::string message;
};

/// The result of an operation that can fail at run time (docs/contributing.md, "Errors").
template <class T>
using Result = std::expected<T, Error>;

/// Shorthand for returning an error from a function returning `Result<T>`.
[[nodiscard]] inline std::unexpected<Error> fail(Errc code, std::string message) {
    return std::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace noctua::core
