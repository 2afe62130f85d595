#pragma once
// Numbers the kernel writes: in object names ("session3", "host2", "nvme0",
// or a bare "7") and in attributes ("4420", a size in sectors). The kernel
// writes them as plain decimal digits without leading zeros; anything else
// ("session01", "+7", "7 ") is refused, so one object is never read as another.

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace brick {

// text as the kernel writes a number of type T: digits only, no leading zero
// (but "0" itself), within T's range.
template <typename T>
std::optional<T> kernel_number(std::string_view text) {
    if (text.empty() || (text.size() > 1 && text.front() == '0')) {
        return std::nullopt;
    }
    T value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) {
        return std::nullopt;
    }
    return value;
}

// The number that follows prefix in text, when text is exactly prefix and a
// kernel number; nullopt otherwise.
inline std::optional<unsigned> number_after(std::string_view text, std::string_view prefix) {
    if (text.substr(0, prefix.size()) != prefix) {
        return std::nullopt;
    }
    return kernel_number<unsigned>(text.substr(prefix.size()));
}

// An attribute holding one number (read_attribute already dropped the
// newline); nullopt unless it is a kernel number of 64 bits.
inline std::optional<std::uint64_t> attribute_number(std::string_view text) {
    return kernel_number<std::uint64_t>(text);
}

// A block device's `size` attribute (512-byte sectors) in bytes; nullopt when
// malformed or beyond 2^64 bytes.
inline std::optional<std::uint64_t> sectors_in_bytes(std::string_view text) {
    const auto sectors = attribute_number(text);
    if (!sectors || *sectors > std::numeric_limits<std::uint64_t>::max() / 512) {
        return std::nullopt;
    }
    return *sectors * 512;
}

}  // namespace brick
