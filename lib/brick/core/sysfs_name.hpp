#pragma once
// Numbers in kernel object names: "session3", "host2", "nvme0", or a bare "7".

#include <charconv>
#include <optional>
#include <string_view>

namespace brick {

// The decimal number that follows prefix in text, when text is exactly
// prefix + digits; nullopt otherwise.
inline std::optional<unsigned> number_after(std::string_view text, std::string_view prefix) {
    if (text.substr(0, prefix.size()) != prefix) {
        return std::nullopt;
    }
    text.remove_prefix(prefix.size());
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return value;
}

}  // namespace brick
