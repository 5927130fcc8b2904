#pragma once

#include <string_view>

namespace noctua::core {

/// "jemalloc" when the executable links it (the noctua daemon does), else "libc".
[[nodiscard]] std::string_view allocator_name();

/// Sets the C allocator up for a long-running daemon when it is glibc's (jemalloc is set up by
/// `malloc_conf` in daemon/src/main.cpp; a no-op elsewhere): fixed mmap and trim thresholds,
/// two arenas. By default glibc raises its mmap threshold to the size of
/// the largest block freed (a multi-megabyte /metrics body with thousands of probes), after
/// which such blocks come from the heap and their pages stay resident. Call once, first thing.
void tune_allocator_for_daemon();

}  // namespace noctua::core
