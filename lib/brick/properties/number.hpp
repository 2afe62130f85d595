#pragma once
// Unsigned integers given as a JSON number or a decimal string, as storage
// services send them ("target_lun": 1 or "1", "ns_id": "10").

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace brick {

// The value in [min, max]; rejects negative, fractional, exponent, signed,
// empty and out-of-range input. what describes the value ("a LUN").
std::uint64_t parse_unsigned(const std::string& field, const nlohmann::json& value,
                             std::string_view what, std::uint64_t min, std::uint64_t max);

}  // namespace brick
