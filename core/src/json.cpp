#include "noctua/core/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

#include "noctua/core/utf8.hpp"

namespace noctua::core {

namespace {

// Appends `i` in decimal without a temporary string (a JSON document holds many numbers).
template <class Int>
void append_integer(std::string& out, Int i) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, i);
    out.append(buf, r.ptr);
}

// Whether a byte goes into a JSON string as it is: printable ASCII other than '"' and '\\'.
constexpr bool plain_byte(unsigned char c) {
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

// Whether any of the 8 bytes of `w` is not plain: a control character (below 0x20), a byte of
// a multi-byte sequence (0x80 and up), the quote or the backslash. A byte below a flagged one
// may borrow and flag its neighbour too; the caller looks at the word byte by byte then.
constexpr bool word_has_special(std::uint64_t w) {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHigh = kOnes * 0x80;
    const auto has_byte = [](std::uint64_t x, unsigned char b) {
        const std::uint64_t y = x ^ (kOnes * b);
        return (y - kOnes) & ~y;
    };
    return (((w - kOnes * 0x20) | w | has_byte(w, '"') | has_byte(w, '\\')) & kHigh) != 0;
}

// How many leading bytes of `s` are plain: eight at a time, then one at a time. Strings in
// payloads (label names and values, summaries) are mostly plain, and escaping them is the
// bulk of encoding a notification.
std::size_t plain_prefix(std::string_view s) {
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, s.data() + i, sizeof w);
        if (word_has_special(w)) break;
    }
    while (i < s.size() && plain_byte(static_cast<unsigned char>(s[i]))) ++i;
    return i;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
    out.reserve(out.size() + s.size() + 2);
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        // A run of printable ASCII other than the quote and the backslash goes in at once.
        const std::size_t run = plain_prefix(s.substr(i));
        if (run > 0) {
            out.append(s.data() + i, run);
            i += run;
            continue;
        }
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            // JSON text is UTF-8 (RFC 8259 §8.1): bytes that are not become U+FFFD.
            std::size_t bad = 0;
            if (const auto n = utf8_sequence(s.substr(i), bad); n != 0) {
                out.append(s.substr(i, n));
                i += n;
            } else {
                out += "\xEF\xBF\xBD";
                i += bad;
            }
            continue;
        }
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default: out += fmt::format("\\u{:04x}", static_cast<unsigned>(c)); break;
        }
        ++i;
    }
    out += '"';
}

void JsonWriter::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!first_.empty()) {
        if (!first_.back()) out_ += ',';
        first_.back() = false;
    }
}

JsonWriter& JsonWriter::open(char bracket) {
    before_value();
    out_ += bracket;
    first_.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
    out_ += bracket;
    first_.pop_back();
    return *this;
}

JsonWriter& JsonWriter::begin_object() { return open('{'); }
JsonWriter& JsonWriter::end_object() { return close('}'); }
JsonWriter& JsonWriter::begin_array() { return open('['); }
JsonWriter& JsonWriter::end_array() { return close(']'); }

JsonWriter& JsonWriter::key(std::string_view k) {
    before_value();
    append_json_string(out_, k);
    out_ += ':';
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
    before_value();
    append_json_string(out_, s);
    return *this;
}

JsonWriter& JsonWriter::value(bool b) {
    before_value();
    out_ += b ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::value(double d) {
    before_value();
    if (!std::isfinite(d)) {
        out_ += "null";
    } else {
        fmt::format_to(std::back_inserter(out_), "{}", d);
    }
    return *this;
}

JsonWriter& JsonWriter::value(std::int64_t i) {
    before_value();
    append_integer(out_, i);
    return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t i) {
    before_value();
    append_integer(out_, i);
    return *this;
}

JsonWriter& JsonWriter::null() {
    before_value();
    out_ += "null";
    return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
    before_value();
    out_ += json;
    return *this;
}

}  // namespace noctua::core
