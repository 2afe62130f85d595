// The device info `brick disconnect --device-info` reads back (what connect
// printed, possibly edited or forged): its path names sysfs directories and
// its WWIDs reach log lines and multipath's argv.

#include "brick/connector/connector.hpp"
#include "brick/core/json_text.hpp"
#include "brick/properties/text.hpp"
#include "support.hpp"

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using brick::fuzz::describe;
    brick::DeviceInfo info;
    try {
        info = brick::DeviceInfo::from_json(
            brick::parse_json_text(brick::fuzz::as_text(data, size), "--device-info"));
    } catch (const brick::Error& e) {
        brick::fuzz::check_input_error(e);
        return 0;
    }
    if (!info.path.empty()) {
        BRICK_FUZZ_CHECK(brick::parse_absolute_path("path", info.path, "a path") == info.path,
                         info.path);
    }
    for (const auto& wwid : {info.scsi_wwn, info.multipath_id}) {
        if (wwid) {
            BRICK_FUZZ_CHECK(std::none_of(wwid->begin(), wwid->end(),
                                          [](char c) { return c <= 0x20 || c >= 0x7f; }),
                             *wwid);
        }
    }
    // What to_json prints reads back the same.
    try {
        const auto again = brick::DeviceInfo::from_json(info.to_json());
        BRICK_FUZZ_CHECK(again.path == info.path && again.type == info.type &&
                             again.scsi_wwn == info.scsi_wwn &&
                             again.multipath_id == info.multipath_id,
                         brick::fuzz::dump(info.to_json()));
    } catch (const brick::Error& e) {
        // A device info without a path prints "path": "" which is refused.
        BRICK_FUZZ_CHECK(info.path.empty(), describe(e));
    }
    return 0;
}
