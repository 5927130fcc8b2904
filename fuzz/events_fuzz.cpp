// Fuzz target: transaction events as pushed or tailed, NDJSON lines and a JSON array.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "noctua/streams/event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace std::chrono_literals;
    static noctua::streams::EventParser parser([] {
        noctua::streams::ParseOptions o;
        o.allowed_labels = {"channel", "tier"};
        return o;
    }());
    const noctua::core::TimePoint now{1'714'557'600'000ms};  // 2024-05-01T10:00:00Z
    const std::string input(reinterpret_cast<const char*>(data), size);

    std::size_t events = 0;
    std::size_t rejected = 0;
    std::string buffer = input;
    parser.parse_lines(
        buffer, now,
        [&](const noctua::streams::TxEvent& e) {
            // An accepted event has its required fields.
            if (e.id.empty() || e.provider.empty()) std::abort();
            ++events;
        },
        [&](std::size_t line, noctua::streams::Rejection r) {
            if (line == 0 || !r) std::abort();
            ++rejected;
        });

    buffer = input;
    (void)parser.parse_array(
        buffer, now, [&](const noctua::streams::TxEvent&) { ++events; },
        [&](std::size_t, noctua::streams::Rejection) { ++rejected; });
    return 0;
}
