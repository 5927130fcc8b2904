#pragma once

// Private to noctua::streams: finding an event's series by hash.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace noctua::streams::detail {

/// Series by the hash of their dimension values, so that an event finds its series without
/// building the key string. Open addressing over pointers to `Entry`s of the set's map (whose
/// nodes do not move); rebuilt after series are erased. Not thread-safe.
template <class Entry>
class SeriesIndex {
public:
    void clear() {
        slots_.clear();
        size_ = 0;
    }
    /// The entry with hash `h` for which `eq(entry)` holds; nullptr when none.
    template <class Eq>
    [[nodiscard]] Entry* find(std::uint64_t h, Eq&& eq) const {
        if (size_ == 0) return nullptr;
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = h & mask; slots_[i].entry; i = (i + 1) & mask) {
            if (slots_[i].hash == h && eq(*slots_[i].entry)) return slots_[i].entry;
        }
        return nullptr;
    }
    void insert(std::uint64_t h, Entry* entry) {
        if ((size_ + 1) * 2 > slots_.size()) grow();
        const std::size_t mask = slots_.size() - 1;
        std::size_t i = h & mask;
        while (slots_[i].entry) i = (i + 1) & mask;
        slots_[i] = Slot{h, entry};
        ++size_;
    }

private:
    struct Slot {
        std::uint64_t hash = 0;
        Entry* entry = nullptr;
    };
    void grow() {
        std::vector<Slot> old(std::max<std::size_t>(slots_.size() * 2, 64));
        old.swap(slots_);
        size_ = 0;
        for (const auto& s : old) {
            if (s.entry) insert(s.hash, s.entry);
        }
    }
    std::vector<Slot> slots_;
    std::size_t size_ = 0;
};

}  // namespace noctua::streams::detail
