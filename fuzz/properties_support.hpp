#pragma once
// The contract every connection-properties harness checks: the text is parsed
// strictly, then by the protocol's parser; either it fails with a typed error
// naming a "data..." field, or it succeeds and the typed values, written back
// as a data dict, parse again to the same values. No secret of the input
// appears in an error or in the normalised output.

#include <functional>

#include "brick/core/json_text.hpp"
#include "brick/properties/common.hpp"
#include "support.hpp"

namespace brick::fuzz {

// parse_data: the protocol's parse_properties; to_output: its to_json; to_data:
// the typed values as a data dict; same: compares two parses.
template <typename Properties>
struct PropertiesContract {
    std::function<Properties(const nlohmann::json&)> parse;
    std::function<nlohmann::json(const Properties&)> to_output;
    std::function<nlohmann::json(const Properties&)> to_data;
    std::function<bool(const Properties&, const Properties&)> same;
};

template <typename Properties>
void check_properties(std::string_view text, const PropertiesContract<Properties>& contract) {
    forget_secrets();
    nlohmann::json data;
    try {
        data = parse_properties_text(text, "--properties");
    } catch (const Error& e) {
        // Syntax and depth errors name the input, duplicate keys the field.
        check_input_error(e);
        BRICK_FUZZ_CHECK(e.message().find("last read") == std::string::npos, describe(e));
        return;
    }
    std::vector<std::string> secrets;
    collect_secrets(data, secrets);
    keep_telling_secrets(data, secrets);
    const auto before = data;
    Properties first;
    try {
        first = contract.parse(data);
    } catch (const Error& e) {
        check_input_error(e, "data");
        check_no_secret(e.what(), secrets);
        BRICK_FUZZ_CHECK(data == before, "the parser changed its input");
        return;
    }
    BRICK_FUZZ_CHECK(data == before, "the parser changed its input");
    const auto output = dump(contract.to_output(first));
    check_no_secret(output, secrets);
    // The typed values are valid input themselves and mean the same.
    const auto again = contract.to_data(first);
    Properties second;
    try {
        second = contract.parse(again);
    } catch (const Error& e) {
        broken("the parsed values do not parse again", __FILE__, __LINE__,
               describe(e) + "\nwritten back as: " + dump(again));
    }
    BRICK_FUZZ_CHECK(contract.same(first, second),
                     "written back and parsed again, the values differ:\n" + output + "\n" +
                         dump(contract.to_output(second)));
}

}  // namespace brick::fuzz
