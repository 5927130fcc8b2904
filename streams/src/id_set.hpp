#pragma once

// Private to noctua::streams: the set of event-id hashes behind deduplication.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "huge_page_allocator.hpp"

namespace noctua::streams::detail {

/// An open-addressing set of 64-bit id hashes (0 marks an empty slot). Grows by doubling; its
/// table comes from HugePageAllocator. Not thread-safe.
class IdSet {
public:
    /// Empties the set and keeps its table: the next generation fills it as far again.
    void clear() {
        if (slots_.empty()) {
            allocate();
        } else {
            std::fill(slots_.begin(), slots_.end(), 0);
        }
        size_ = 0;
    }
    [[nodiscard]] bool contains(std::uint64_t h) const {
        if (size_ == 0) return false;
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            if (slots_[i] == h) return true;
            if (slots_[i] == 0) return false;
        }
    }
    void insert(std::uint64_t h) {
        if (slots_.empty()) allocate();
        if ((size_ + 1) * 2 > slots_.size()) grow();
        for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
            if (slots_[i] == h) return;
            if (slots_[i] == 0) {
                slots_[i] = h;
                ++size_;
                return;
            }
        }
    }
    /// Starts loading the slot `h` probes first (a table of millions of ids misses the cache).
    void prefetch(std::uint64_t h) const {
        // No `size_ != 0` test and the mask is a member: with either, GCC 12 dropped the
        // prefetch instruction altogether. A prefetch never faults (nullptr while no slots).
        __builtin_prefetch(slots_.data() + (h & mask_));
    }
    [[nodiscard]] std::size_t size() const { return size_; }
    [[nodiscard]] std::size_t bytes() const { return slots_.capacity() * sizeof(std::uint64_t); }

private:
    static constexpr std::size_t kInitial = 1024;
    void allocate() {
        slots_.assign(kInitial, 0);
        mask_ = kInitial - 1;
    }
    void grow() {
        Slots old(slots_.size() * 2, 0);
        old.swap(slots_);
        mask_ = slots_.size() - 1;
        size_ = 0;
        for (auto h : old) {
            if (h != 0) insert(h);
        }
    }
    using Slots = std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>>;
    Slots slots_;
    std::size_t mask_ = 0;  // slots_.size() - 1 once there are slots
    std::size_t size_ = 0;
};

}  // namespace noctua::streams::detail
