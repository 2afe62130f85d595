// The strict JSON reader every outside document goes through (connection
// properties, device info, scenario and fabric files). It accepts what
// nlohmann::json accepts, with the same value, except that a key given twice
// and nesting beyond max_json_depth are refused; its errors never quote the
// input.

#include "brick/core/json_text.hpp"

#include "support.hpp"

namespace {

using nlohmann::json;

std::size_t depth(const json& value) {
    std::size_t deepest = 0;
    if (value.is_structured()) {
        for (const auto& item : value) {
            deepest = std::max(deepest, depth(item));
        }
        return deepest + 1;
    }
    return 0;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using brick::fuzz::describe;
    const auto text = brick::fuzz::as_text(data, size);
    const bool valid = json::accept(text.begin(), text.end());
    brick::JsonDocument document;
    try {
        document = brick::parse_json_text_keeping_duplicates(text, "input");
    } catch (const brick::Error& e) {
        brick::fuzz::check_input_error(e);
        BRICK_FUZZ_CHECK(e.field() == "input", describe(e));
        BRICK_FUZZ_CHECK(e.message().find("last read") == std::string::npos, describe(e));
        // Refused: not JSON, or too deep.
        BRICK_FUZZ_CHECK(!valid || depth(json::parse(text)) > brick::max_json_depth, describe(e));
        return 0;
    }
    BRICK_FUZZ_CHECK(valid, "accepted what nlohmann::json refuses");
    BRICK_FUZZ_CHECK(document.value == json::parse(text), "a value differs from nlohmann's");
    BRICK_FUZZ_CHECK(depth(document.value) <= brick::max_json_depth, "too deep, accepted");
    // The strict reader agrees with itself on its own output, which has no
    // duplicate keys.
    const auto dumped = brick::fuzz::dump(document.value);
    try {
        BRICK_FUZZ_CHECK(brick::parse_json_text(dumped, "again") == document.value, dumped);
    } catch (const brick::Error& e) {
        brick::fuzz::broken("its own output refused", __FILE__, __LINE__, describe(e));
    }
    if (document.duplicate) {
        BRICK_FUZZ_CHECK(!document.duplicate->empty(), "a duplicate without a path");
        try {
            brick::parse_json_text(text, "input");
            brick::fuzz::broken("a duplicate key accepted", __FILE__, __LINE__,
                                brick::dotted_path(*document.duplicate));
        } catch (const brick::Error& e) {
            BRICK_FUZZ_CHECK(e.field() == brick::dotted_path(*document.duplicate), describe(e));
        }
    }
    return 0;
}
