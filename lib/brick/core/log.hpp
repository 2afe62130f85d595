#pragma once
// The one logger of libbrick (spdlog underneath), writing to stderr as human
// lines or JSON lines. Every message is masked (mask_secrets) before it is written.

#include <optional>
#include <string>
#include <string_view>

namespace brick::log {

enum class Level { debug, info, warning, error, off };
enum class Format { human, json };

void configure(Level level, Format format);
std::optional<Level> parse_level(std::string_view name);

void debug(std::string_view message);
void info(std::string_view message);
void warning(std::string_view message);
void error(std::string_view message);

}  // namespace brick::log
