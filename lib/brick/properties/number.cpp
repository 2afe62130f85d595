#include "brick/properties/number.hpp"

#include <charconv>

#include "brick/core/error.hpp"
#include "brick/properties/text.hpp"

namespace brick {
namespace {

[[noreturn]] void out_of_range(const std::string& field, const nlohmann::json& value,
                               std::string_view what, std::uint64_t min, std::uint64_t max) {
    throw_invalid(field, std::string(what) + " in " + std::to_string(min) + ".." +
                             std::to_string(max) + " (got " + describe_value(value) + ")");
}

}  // namespace

std::uint64_t parse_unsigned(const std::string& field, const nlohmann::json& value,
                             std::string_view what, std::uint64_t min, std::uint64_t max) {
    std::uint64_t number = 0;
    if (value.is_number_unsigned()) {
        number = value.get<std::uint64_t>();
    } else if (value.is_number_integer()) {
        // Only negative values are stored signed by the parser.
        const auto signed_value = value.get<std::int64_t>();
        if (signed_value < 0) {
            out_of_range(field, value, what, min, max);
        }
        number = static_cast<std::uint64_t>(signed_value);
    } else if (value.is_number_float()) {
        throw_invalid(field,
                      std::string(what) + " as a whole number (got " + describe_value(value) + ")");
    } else if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        const char* begin = text.data();
        const char* end = begin + text.size();
        const bool digits_only =
            !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
        if (!digits_only) {
            throw_invalid(field, std::string(what) + " as a number or a decimal string (got " +
                                     describe_value(value) + ")");
        }
        const auto result = std::from_chars(begin, end, number);
        if (result.ec != std::errc() || result.ptr != end) {
            out_of_range(field, value, what, min, max);
        }
    } else {
        throw_invalid(field, std::string(what) + " as a number or a decimal string (got " +
                                 std::string(json_type_name(value)) + ")");
    }
    if (number < min || number > max) {
        out_of_range(field, value, what, min, max);
    }
    return number;
}

}  // namespace brick
