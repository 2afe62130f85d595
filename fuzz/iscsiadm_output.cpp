// The target lines of `iscsiadm -m discovery` (SendTargets; the portals it
// returns are logged in to) and `iscsiadm -m node` (the lab's leftover check):
// "portal,tpgt iqn". A target answers discovery, so this is remote input.

#include "brick/iscsi/iscsiadm.hpp"
#include "brick/properties/common.hpp"
#include "support.hpp"

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(brick::fuzz::as_text(data, size));
    const auto found = brick::iscsi::parse_target_lines(text);
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    BRICK_FUZZ_CHECK(found.size() <= lines, std::to_string(found.size()) + " pairs");
    for (const auto& [portal, iqn] : found) {
        // Every pair is a checked portal and name: they go to iscsiadm -p / -T.
        try {
            BRICK_FUZZ_CHECK(brick::parse_portal("p", portal.to_string(), 0) == portal,
                             portal.to_string());
            BRICK_FUZZ_CHECK(brick::parse_iscsi_name("t", iqn) == iqn, iqn);
        } catch (const brick::Error& e) {
            brick::fuzz::broken("a returned pair is not valid", __FILE__, __LINE__,
                                brick::fuzz::describe(e));
        }
        BRICK_FUZZ_CHECK(text.find(iqn) != std::string::npos, iqn);
    }
    return 0;
}
