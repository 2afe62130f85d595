#pragma once
// Small string helpers shared by the library and its tools.

#include <string>
#include <string_view>

namespace brick {

// The items (strings, in the range's order) with separator between each two:
// join({"sdb", "sdc"}, ", ") is "sdb, sdc"; no items give "".
template <typename Range>
std::string join(const Range& items, std::string_view separator) {
    std::string text;
    bool first = true;
    for (const auto& item : items) {
        if (!first) {
            text += separator;
        }
        text += item;
        first = false;
    }
    return text;
}

}  // namespace brick
