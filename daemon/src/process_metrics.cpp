#include "process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <prometheus/gauge.h>

#include "noctua/core/version.hpp"

namespace noctua::daemon {
namespace {

std::string read_all(const char* path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

double boot_time() {
    std::ifstream in("/proc/stat");
    std::string key;
    double value = 0;
    while (in >> key) {
        if (key == "btime") {
            in >> value;
            return value;
        }
        in.ignore(1 << 20, '\n');
    }
    return 0;
}

}  // namespace

std::optional<ProcessStats> parse_proc_stat(std::string_view stat, double ticks_per_second,
                                            double page_size, double boot) {
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields are
    // counted from the last ')'. Field numbers below are proc(5)'s, 1-based.
    const auto close = stat.rfind(')');
    if (close == std::string_view::npos || ticks_per_second <= 0) return std::nullopt;
    std::vector<std::string_view> fields;
    std::size_t i = close + 1;
    while (i < stat.size()) {
        while (i < stat.size() && (stat[i] == ' ' || stat[i] == '\n')) ++i;
        const auto start = i;
        while (i < stat.size() && stat[i] != ' ' && stat[i] != '\n') ++i;
        if (i > start) fields.push_back(stat.substr(start, i - start));
    }
    // fields[0] is field 3 (state).
    auto field = [&](std::size_t n) -> std::optional<double> {
        if (n < 3 || n - 3 >= fields.size()) return std::nullopt;
        const auto f = fields[n - 3];
        double v = 0;
        auto [ptr, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
        if (ec != std::errc{} || ptr != f.data() + f.size()) return std::nullopt;
        return v;
    };
    const auto utime = field(14);
    const auto stime = field(15);
    const auto start = field(22);
    const auto vsize = field(23);
    const auto rss = field(24);
    if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
    ProcessStats s;
    s.cpu_seconds = (*utime + *stime) / ticks_per_second;
    s.start_time_seconds = boot + *start / ticks_per_second;
    s.virtual_bytes = *vsize;
    s.resident_bytes = *rss * page_size;
    return s;
}

std::optional<ProcessStats> read_process_stats() {
    const auto stat = read_all("/proc/self/stat");
    auto s = parse_proc_stat(stat, static_cast<double>(sysconf(_SC_CLK_TCK)),
                             static_cast<double>(sysconf(_SC_PAGESIZE)), boot_time());
    if (!s) return std::nullopt;
    std::error_code ec;
    std::size_t fds = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
         it.increment(ec)) {
        ++fds;
    }
    s->open_fds = static_cast<double>(fds);
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) s->max_fds = static_cast<double>(lim.rlim_cur);
    return s;
}

void write_process_metrics(const ProcessStats& s, std::string& out) {
    auto metric = [&out](const char* name, const char* type, const char* help, double v) {
        fmt::format_to(std::back_inserter(out), "# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name,
                       help, type, v);
    };
    metric("process_cpu_seconds_total", "counter",
           "Total user and system CPU time spent in seconds.", s.cpu_seconds);
    metric("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
           s.resident_bytes);
    metric("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
           s.virtual_bytes);
    metric("process_start_time_seconds", "gauge",
           "Start time of the process since unix epoch in seconds.", s.start_time_seconds);
    metric("process_open_fds", "gauge", "Number of open file descriptors.", s.open_fds);
    metric("process_max_fds", "gauge", "Maximum number of open file descriptors.", s.max_fds);
}

void export_build_info(prometheus::Registry& registry, core::TimePoint started) {
    prometheus::BuildGauge()
        .Name("noctua_build_info")
        .Help("Always 1; the version label says which build runs")
        .Register(registry)
        .Add({{"version", std::string(core::version())}})
        .Set(1);
    prometheus::BuildGauge()
        .Name("noctua_start_time_seconds")
        .Help("When this process started, in Unix seconds")
        .Register(registry)
        .Add({})
        .Set(std::chrono::duration<double>(started.time_since_epoch()).count());
}

}  // namespace noctua::daemon
