#pragma once

#include <string>
#include <string_view>

namespace noctua::core {

/// `&`, `<`, `>`, `"` and `'` as character references: safe in HTML text and quoted attributes
/// (status page, reports, email's HTML part, Telegram's HTML parse mode).
[[nodiscard]] std::string html_escape(std::string_view s);

}  // namespace noctua::core
