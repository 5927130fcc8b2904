#pragma once

// Private to noctua::streams: an allocator for the large open-addressing tables.

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

#include <sys/mman.h>

namespace noctua::streams::detail {

/// Gives tables of 2 MiB and more transparent huge pages (Linux, THP "madvise" mode): random
/// probes into millions of ids otherwise miss the TLB on top of the cache. Smaller tables come
/// from std::allocator.
template <class T>
struct HugePageAllocator {
    using value_type = T;
    static constexpr std::size_t kHuge = 2 * 1024 * 1024;
    HugePageAllocator() = default;
    template <class U>
    explicit HugePageAllocator(const HugePageAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        if (bytes < kHuge) return std::allocator<T>{}.allocate(n);
        const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
        void* p = std::aligned_alloc(kHuge, rounded);
        if (!p) throw std::bad_alloc();
        (void)madvise(p, rounded, MADV_HUGEPAGE);  // a hint: without THP it is only slower
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t n) noexcept {
        if (n * sizeof(T) < kHuge) {
            std::allocator<T>{}.deallocate(p, n);
        } else {
            std::free(p);
        }
    }
    friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }
};

}  // namespace noctua::streams::detail
