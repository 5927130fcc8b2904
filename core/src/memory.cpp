#include "noctua/core/memory.hpp"

#include <cstddef>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

// jemalloc's control interface, present when the executable links jemalloc (the noctua
// daemon does, daemon/CMakeLists.txt), null otherwise: tests and sanitizer builds use the C
// library's allocator.
extern "C" int mallctl(const char* name, void* oldp, std::size_t* oldlenp, void* newp,
                       std::size_t newlen) __attribute__((weak));

namespace noctua::core {

std::string_view allocator_name() { return mallctl != nullptr ? "jemalloc" : "libc"; }

void tune_allocator_for_daemon() {
    if (mallctl != nullptr) return;  // jemalloc: set up by malloc_conf (daemon/src/main.cpp)
#if defined(__GLIBC__)
    ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    ::mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
    ::mallopt(M_ARENA_MAX, 2);
#endif
}

}  // namespace noctua::core
