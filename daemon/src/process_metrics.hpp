#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <prometheus/registry.h>

#include "noctua/core/clock.hpp"

namespace noctua::daemon {

/// The standard process metrics every Prometheus client exports (CPU, memory, file
/// descriptors, start time), for the dashboards' "Noctua itself" row.
struct ProcessStats {
    double cpu_seconds = 0;
    double resident_bytes = 0;
    double virtual_bytes = 0;
    double start_time_seconds = 0;
    double open_fds = 0;
    double max_fds = 0;
};

/// Parses the contents of /proc/self/stat with the clock tick rate, page size and boot time
/// (/proc/stat `btime`); nullopt when the text is not in that format. Pure.
[[nodiscard]] std::optional<ProcessStats> parse_proc_stat(std::string_view stat,
                                                          double ticks_per_second, double page_size,
                                                          double boot_time);

/// Reads this process's stats from /proc (Linux); nullopt elsewhere or on a read error.
/// Reads procfs only (no disk): cheap enough for a /metrics request. Thread-safe.
[[nodiscard]] std::optional<ProcessStats> read_process_stats();

/// Appends process_cpu_seconds_total, process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds and
/// process_max_fds in the text exposition format.
void write_process_metrics(const ProcessStats& stats, std::string& out);

/// Registers noctua_build_info{version} (always 1) and noctua_start_time_seconds (`started`).
void export_build_info(prometheus::Registry& registry, core::TimePoint started);

}  // namespace noctua::daemon
