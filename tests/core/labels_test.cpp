#include <catch2/catch.hpp>

#include "noctua/core/labels.hpp"

using noctua::core::Labels;

TEST_CASE("Labels: kept sorted and unique whatever the insertion order", "[core][unit]") {
    Labels a{{"provider", "acme"}, {"alertname", "ProviderDown"}, {"probe", "p1"}};
    Labels b;
    b.set("probe", "p1");
    b.set("provider", "acme");
    b.set("alertname", "ProviderDown");
    CHECK(a == b);
    REQUIRE(a.size() == 3);
    CHECK(a.pairs().front().first == "alertname");
    CHECK(a.pairs().back().first == "provider");
    b.set("probe", "p2");
    CHECK(b.size() == 3);
    CHECK(b.get("probe") == "p2");
}

TEST_CASE("Labels: empty value removes the label", "[core][unit]") {
    Labels l{{"a", "1"}, {"b", "2"}};
    l.set("a", "");
    CHECK_FALSE(l.contains("a"));
    CHECK(l.size() == 1);
}

TEST_CASE("Labels: fingerprint is stable and order-independent", "[core][unit]") {
    Labels a{{"b", "2"}, {"a", "1"}};
    Labels b{{"a", "1"}, {"b", "2"}};
    CHECK(a.fingerprint() == b.fingerprint());
    // Pinned value: the fingerprint is an identity across restarts and instances.
    CHECK(a.fingerprint_hex() == Labels{{"a", "1"}, {"b", "2"}}.fingerprint_hex());
    CHECK(a.fingerprint_hex().size() == 16);
    CHECK(Labels{}.fingerprint_hex() == "cbf29ce484222325");
    // Boundaries between names and values matter.
    CHECK(Labels{{"ab", "c"}}.fingerprint() != Labels{{"a", "bc"}}.fingerprint());
    CHECK(a.fingerprint() != Labels{{"a", "1"}, {"b", "3"}}.fingerprint());
}

TEST_CASE("Labels: merge_missing keeps existing values", "[core][unit]") {
    Labels l{{"a", "1"}};
    l.merge_missing(Labels{{"a", "x"}, {"b", "2"}});
    CHECK(l.get("a") == "1");
    CHECK(l.get("b") == "2");
    CHECK(l.to_string() == R"({a="1", b="2"})");
}

TEST_CASE("Labels: copies share one block until one of them changes", "[core][unit]") {
    Labels a{{"alertname", "Down"}, {"provider", "acme"}};
    Labels b = a;
    // One copy of the strings for both.
    CHECK(&a.pairs() == &b.pairs());
    CHECK(a == b);

    b.set("provider", "zeta");
    CHECK(&a.pairs() != &b.pairs());
    CHECK(a.get("provider") == "acme");
    CHECK(b.get("provider") == "zeta");

    // Setting what is already there, or erasing what is not, copies nothing.
    Labels c = a;
    c.set("alertname", "Down");
    c.erase("severity");
    CHECK(&a.pairs() == &c.pairs());

    c.erase("provider");
    CHECK(a.size() == 2);
    CHECK(c.size() == 1);
    CHECK(a.fingerprint() != c.fingerprint());

    // The last holder of a block changes it in place.
    Labels d = std::move(c);
    d.set("severity", "page");
    CHECK(d.to_string() == R"({alertname="Down", severity="page"})");
}

TEST_CASE("Labels: the kept fingerprint follows every change, in each copy", "[core][unit]") {
    Labels a{{"alertname", "Down"}, {"provider", "acme"}};
    const auto fp = a.fingerprint();
    Labels b = a;
    CHECK(b.fingerprint() == fp);
    b.set("provider", "zeta");
    CHECK(b.fingerprint() == Labels({{"alertname", "Down"}, {"provider", "zeta"}}).fingerprint());
    CHECK(a.fingerprint() == fp);
    // Changed in place (its only holder): the kept value is forgotten.
    a.set("severity", "page");
    CHECK(a.fingerprint() ==
          Labels({{"alertname", "Down"}, {"provider", "acme"}, {"severity", "page"}}).fingerprint());
    a.erase("severity");
    CHECK(a.fingerprint() == fp);
    CHECK(Labels{}.fingerprint() == Labels{}.fingerprint());
}

TEST_CASE("is_label_name: Prometheus label names only", "[core][unit]") {
    for (const char* ok : {"a", "_", "provider", "error_code", "A9", "__name__"}) {
        INFO(ok);
        CHECK(noctua::core::is_label_name(ok));
    }
    for (const char* bad : {"", "9a", "a-b", "a.b", "a b", "é"}) {
        INFO(bad);
        CHECK_FALSE(noctua::core::is_label_name(bad));
    }
}
