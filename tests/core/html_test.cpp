// core::html_escape: the five references for HTML, three for Slack's mrkdwn.
#include <catch2/catch.hpp>

#include "noctua/core/html.hpp"

using noctua::core::html_escape;

TEST_CASE("html_escape: markup and quotes become references; with quotes off only & < >",
          "[core][unit]") {
    CHECK(html_escape(R"(<b>"Acme" & 'Co'</b>)") ==
          "&lt;b&gt;&quot;Acme&quot; &amp; &#39;Co&#39;&lt;/b&gt;");
    CHECK(html_escape(R"(<b>"Acme" & 'Co'</b>)", false) == R"(&lt;b&gt;"Acme" &amp; 'Co'&lt;/b&gt;)");
    CHECK(html_escape("plain, ünïcode ✓") == "plain, ünïcode ✓");
    CHECK(html_escape("").empty());
}
