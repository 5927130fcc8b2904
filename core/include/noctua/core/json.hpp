#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace noctua::core {

/// Appends `s` to `out` as a JSON string literal (quotes included), escaping as RFC 8259 says.
/// The output is always valid UTF-8: each ill-formed sequence in `s` becomes one U+FFFD.
void append_json_string(std::string& out, std::string_view s);

/// A small streaming JSON writer for responses and payloads we produce (parsing is simdjson's).
/// Commas are inserted automatically. Not thread-safe; one writer per document.
///
///     JsonWriter w; w.begin_object(); w.key("a"); w.value(1); w.end_object();
class JsonWriter {
public:
    /// Starts with room for a typical payload (a notification is under 1 KiB), so that writing
    /// one does not regrow the buffer several times.
    JsonWriter() { out_.reserve(512); }

    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);
    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view{s}); }
    JsonWriter& value(const std::string& s) { return value(std::string_view{s}); }
    JsonWriter& value(bool b);
    JsonWriter& value(double d);  ///< NaN and infinities become null
    JsonWriter& value(std::int64_t i);
    JsonWriter& value(int i) { return value(static_cast<std::int64_t>(i)); }
    JsonWriter& value(std::uint64_t i);
    JsonWriter& null();
    /// Inserts already-serialized JSON as one value.
    JsonWriter& raw(std::string_view json);

    /// key + value in one call.
    template <class T>
    JsonWriter& field(std::string_view k, const T& v) {
        key(k);
        return value(v);
    }

    [[nodiscard]] const std::string& str() const& { return out_; }
    [[nodiscard]] std::string str() && { return std::move(out_); }

private:
    void before_value();
    // Starts an object or array (`bracket` '{' or '['), or ends the innermost one ('}' or ']').
    JsonWriter& open(char bracket);
    JsonWriter& close(char bracket);
    std::string out_;
    std::vector<bool> first_;  // per open container: no element written yet
    bool after_key_ = false;
};

}  // namespace noctua::core
