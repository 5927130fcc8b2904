#include "noctua/daemon/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "noctua/core/json.hpp"

namespace noctua::daemon {
namespace {

/// `%*`: the log message as a JSON string value, escaped.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        std::string out;
        core::append_json_string(out, std::string_view(msg.payload.data(), msg.payload.size()));
        dest.append(out.data(), out.data() + out.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<JsonMessageFlag>();
    }
};

}  // namespace

core::Result<void> setup_logging(std::string_view level, config::LogFormat format) {
    auto lvl = spdlog::level::from_str(std::string(level));
    if (lvl == spdlog::level::off && level != "off") {
        return core::fail(core::Errc::invalid_argument,
                          "unknown log level \"" + std::string(level) +
                              "\" (trace, debug, info, warn, error, critical, off)");
    }
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    auto logger = std::make_shared<spdlog::logger>("noctua", sink);
    std::unique_ptr<spdlog::formatter> formatter;
    if (format == config::LogFormat::json) {
        auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
        f->add_flag<JsonMessageFlag>('*').set_pattern(
            R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n","msg":%*})");
        formatter = std::move(f);
    } else {
        formatter = std::make_unique<spdlog::pattern_formatter>(
            "%Y-%m-%d %H:%M:%S.%e %^%-5l%$ [%n] %v", spdlog::pattern_time_type::local);
    }
    logger->set_formatter(formatter->clone());
    logger->set_level(lvl);
    spdlog::drop_all();
    spdlog::set_default_logger(logger);
    spdlog::set_level(lvl);
    spdlog::set_formatter(std::move(formatter));
    return {};
}

}  // namespace noctua::daemon
