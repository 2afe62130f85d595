#include "backend.hpp"

namespace brick::lab {

void fill_pattern(std::uint64_t pattern, std::uint64_t offset, char* data, std::size_t size) {
    // splitmix64 of (pattern, 8-byte block index): every block differs, and a
    // block written for another offset or pattern never matches.
    for (std::size_t i = 0; i < size; ++i) {
        const std::uint64_t block = (offset + i) / 8;
        std::uint64_t x = pattern * 0x9E3779B97F4A7C15ULL + block + 1;
        x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
        x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
        x ^= x >> 31U;
        data[i] = static_cast<char>((x >> (((offset + i) % 8) * 8)) & 0xFFU);
    }
}

}  // namespace brick::lab
