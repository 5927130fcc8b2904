#pragma once

#include <string>
#include <string_view>

namespace noctua::core {

/// `&`, `<`, `>`, `"` and `'` as character references: safe in HTML text and quoted attributes
/// (status page, reports, email's HTML part, Telegram's HTML parse mode). With `quotes` false
/// only `&`, `<` and `>`, for text that is never in an attribute and whose reader does not
/// decode the quote references (Slack's mrkdwn).
[[nodiscard]] std::string html_escape(std::string_view s, bool quotes = true);

}  // namespace noctua::core
