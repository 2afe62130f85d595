#include "brick/core/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "brick/core/secrets.hpp"

namespace brick::log {
namespace {

struct LoggerState {
    std::mutex mutex;
    std::shared_ptr<spdlog::logger> logger;
    Format format = Format::human;
};

LoggerState& state() {
    static LoggerState instance;
    return instance;
}

spdlog::logger& logger() {
    auto& s = state();
    const std::lock_guard lock(s.mutex);
    if (!s.logger) {
        s.logger = std::make_shared<spdlog::logger>(
            "brick", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        s.logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %l %v");
        s.logger->set_level(spdlog::level::warn);
    }
    return *s.logger;
}

void write(spdlog::level::level_enum level, std::string_view message) {
    auto& log = logger();
    if (!log.should_log(level)) {
        return;
    }
    const auto masked = mask_secrets(message);
    if (state().format == Format::json) {
        log.log(
            level, "{}",
            nlohmann::json(masked).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    } else {
        log.log(level, "{}", masked);
    }
}

}  // namespace

void configure(Level level, Format format) {
    auto& log = logger();
    {
        const std::lock_guard lock(state().mutex);
        state().format = format;
    }
    if (format == Format::json) {
        log.set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","message":%v})",
                        spdlog::pattern_time_type::utc);
    } else {
        log.set_pattern("%Y-%m-%d %H:%M:%S.%e %l %v");
    }
    switch (level) {
        case Level::debug:
            log.set_level(spdlog::level::debug);
            break;
        case Level::info:
            log.set_level(spdlog::level::info);
            break;
        case Level::warning:
            log.set_level(spdlog::level::warn);
            break;
        case Level::error:
            log.set_level(spdlog::level::err);
            break;
        case Level::off:
            log.set_level(spdlog::level::off);
            break;
    }
}

std::optional<Level> parse_level(std::string_view name) {
    if (name == "debug") {
        return Level::debug;
    }
    if (name == "info") {
        return Level::info;
    }
    if (name == "warning" || name == "warn") {
        return Level::warning;
    }
    if (name == "error") {
        return Level::error;
    }
    if (name == "off") {
        return Level::off;
    }
    return std::nullopt;
}

void debug(std::string_view message) {
    write(spdlog::level::debug, message);
}
void info(std::string_view message) {
    write(spdlog::level::info, message);
}
void warning(std::string_view message) {
    write(spdlog::level::warn, message);
}
void error(std::string_view message) {
    write(spdlog::level::err, message);
}

}  // namespace brick::log
