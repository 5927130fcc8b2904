#pragma once

// The configuration error tests' documents and checks: a document gives exactly one error,
// at its position, with its message.

#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "noctua/config/config.hpp"
#include "noctua/testing/config_fixtures.hpp"
#include "noctua/testing/kind_parsers.hpp"

namespace noctua::config_errors_test {

/// `text` without the newline that opens it, if it opens with one.
inline std::string_view strip_first_newline(std::string_view text) {
    if (text.starts_with('\n')) text.remove_prefix(1);
    return text;
}

/// Every error of an invalid document, as `test.toml:L:C: key: message` lines.
inline std::vector<std::string> errors_of(std::string_view toml) {
    return noctua::testing::error_lines(strip_first_newline(toml), "test.toml",
                                        noctua::testing::builtin_kind_parsers());
}

/// The single error of an invalid document.
inline std::string error_of(std::string_view toml) {
    return noctua::testing::single_error(strip_first_newline(toml), "test.toml",
                                         noctua::testing::builtin_kind_parsers());
}

/// A valid provider to hang probes on (lines 1–3).
inline constexpr std::string_view kProvider = R"([[providers]]
id = "acme"
base_url = "http://acme.example/api"
)";

/// The test provider, then `rest` (without its opening newline) from line 4 on.
inline std::string with_provider(std::string_view rest) {
    return std::string(kProvider) + std::string(strip_first_newline(rest));
}

/// A probe "p" on the test provider with path "/x" (lines 4–7), then `lines` from line 8 on.
inline std::string probe_with(std::string_view lines) {
    return with_provider("[[probes]]\nid = \"p\"\nprovider = \"acme\"\npath = \"/x\"\n" +
                         std::string(lines));
}

/// Whether a probe on the test provider with `line` added loads.
inline bool with_provider_loads(std::string_view line) {
    return config::load_string(probe_with(std::string(line) + "\n"), "test.toml",
                               noctua::testing::builtin_kind_parsers())
        .has_value();
}

/// A document (as `document` completes it) and the one error it must give.
struct Case {
    std::string toml;
    std::string_view error;
};

/// A document as it is written.
inline std::string as_is(std::string_view toml) { return std::string(toml); }

/// Checks that the document of each case, completed by `document`, gives exactly the case's one
/// error; a failure names the case's text.
inline void check_errors(std::initializer_list<Case> cases,
                         std::string (*document)(std::string_view) = as_is) {
    for (const auto& c : cases) {
        INFO(c.toml);
        CHECK(error_of(document(c.toml)) == c.error);
    }
}

}  // namespace noctua::config_errors_test
