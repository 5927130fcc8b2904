#include "noctua/core/memory.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace noctua::core {

void tune_allocator_for_daemon() {
#if defined(__GLIBC__)
    ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    ::mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
    ::mallopt(M_ARENA_MAX, 2);
#endif
}

void release_free_memory() {
#if defined(__GLIBC__)
    ::malloc_trim(0);
#endif
}

}  // namespace noctua::core
