#include <cstring>

#include "backend.hpp"

namespace brick::lab {

namespace {

// splitmix64 of (pattern, 8-byte block index): every block differs, and a
// block written for another offset or pattern never matches.
std::uint64_t block_value(std::uint64_t pattern, std::uint64_t block) {
    std::uint64_t x = pattern * 0x9E3779B97F4A7C15ULL + block + 1;
    x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31U);
}

}  // namespace

void fill_pattern(std::uint64_t pattern, std::uint64_t offset, char* data, std::size_t size) {
    std::size_t i = 0;
    while (i < size) {
        const std::uint64_t position = offset + i;
        const std::uint64_t value = block_value(pattern, position / 8);
        const std::size_t skip = position % 8;
        const std::size_t count = std::min<std::size_t>(8 - skip, size - i);
        for (std::size_t k = 0; k < count; ++k) {
            data[i + k] = static_cast<char>((value >> ((skip + k) * 8)) & 0xFFU);
        }
        i += count;
    }
}

}  // namespace brick::lab
