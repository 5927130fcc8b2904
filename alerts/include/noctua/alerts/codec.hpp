#pragma once

#include <string>
#include <string_view>

#include "noctua/alerts/group.hpp"
#include "noctua/alerts/notification.hpp"
#include "noctua/alerts/silences.hpp"
#include "noctua/core/json.hpp"
#include "noctua/core/result.hpp"

namespace noctua::alerts {

/// The durable forms of what the outbox and the alert records keep: compact JSON, read back
/// exactly (labels, annotations, states and millisecond times). Errors (Errc::parse) only for
/// data this build did not write.
[[nodiscard]] std::string encode(const Notification& n);
[[nodiscard]] core::Result<Notification> decode_notification(std::string_view json);
[[nodiscard]] std::string encode(const NotifyRecord& r);
[[nodiscard]] core::Result<NotifyRecord> decode_record(std::string_view json);
[[nodiscard]] std::string encode(const Alert& a);
[[nodiscard]] core::Result<Alert> decode_alert(std::string_view json);
[[nodiscard]] std::string encode(const Silence& s);
[[nodiscard]] core::Result<Silence> decode_silence(std::string_view json);

/// Writes the `labels` and `annotations` members of `a` into the object `w` is writing: what
/// every JSON form of an alert (durable and API) has.
void write_labels_and_annotations(core::JsonWriter& w, const Alert& a);

}  // namespace noctua::alerts
