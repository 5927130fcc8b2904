#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace noctua::core {

/// One row of an enumeration's name table: an enumerator and the text that stands for it.
template <typename E>
struct EnumName {
    E value;
    std::string_view name;
};

/// The name `table` gives `value`, or `fallback` when no row holds it (a value cast from an
/// out-of-range integer). Pure; the table is searched in order, so small tables cost a few
/// compares.
template <typename E, std::size_t N>
[[nodiscard]] constexpr std::string_view name_of(const EnumName<E> (&table)[N], E value,
                                                 std::string_view fallback) {
    for (const auto& row : table) {
        if (row.value == value) return row.name;
    }
    return fallback;
}

/// The value `table` names `name`, or nullopt when no row does: name_of() read backwards.
template <typename E, std::size_t N>
[[nodiscard]] constexpr std::optional<E> value_of(const EnumName<E> (&table)[N],
                                                  std::string_view name) {
    for (const auto& row : table) {
        if (row.name == name) return row.value;
    }
    return std::nullopt;
}

}  // namespace noctua::core
