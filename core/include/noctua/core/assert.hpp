#pragma once

#include <cstdio>
#include <cstdlib>

/// NOCTUA_CHECK: always fatal when the condition is false (a programming error).
#define NOCTUA_CHECK(cond)                                                                 \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                  \
        }                                                                                  \
    } while (false)

/// NOCTUA_ASSERT: checked in debug builds only.
#ifdef NDEBUG
#define NOCTUA_ASSERT(cond) ((void)0)
#else
#define NOCTUA_ASSERT(cond) NOCTUA_CHECK(cond)
#endif
