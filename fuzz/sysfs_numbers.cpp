// Numbers in kernel object names ("session3", "host2", "nvme0",
// "target2:0:0", "2:0:0:1") and in attributes (a port, a size in sectors):
// anything but plain digits that fit is refused, and what is accepted is
// exactly the number written.

#include <array>

#include "brick/core/sysfs_name.hpp"
#include "brick/scsi/disk.hpp"
#include "support.hpp"

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto text = brick::fuzz::as_text(data, size);
    for (const std::string_view prefix :
         std::array<std::string_view, 5>{"session", "host", "nvme", "target", ""}) {
        if (const auto number = brick::number_after(text, prefix)) {
            // Exactly the number written: no sign, no leading zero, no space.
            BRICK_FUZZ_CHECK(std::string(prefix) + std::to_string(*number) == text,
                             std::string(text));
        }
    }
    if (const auto number = brick::attribute_number(text)) {
        BRICK_FUZZ_CHECK(std::to_string(*number) == text, std::string(text));
        const auto bytes = brick::sectors_in_bytes(text);
        BRICK_FUZZ_CHECK(bytes.has_value() == (*number <= UINT64_MAX / 512), std::string(text));
        BRICK_FUZZ_CHECK(!bytes || *bytes == *number * 512, std::string(text));
    } else {
        BRICK_FUZZ_CHECK(!brick::sectors_in_bytes(text), std::string(text));
    }
    if (const auto address = brick::scsi::Address::parse(text)) {
        BRICK_FUZZ_CHECK(address->to_string() == text, address->to_string());
        const auto lun = brick::scsi::by_path_lun(address->lun);
        BRICK_FUZZ_CHECK(address->lun < 256 ? lun == std::to_string(address->lun)
                                            : lun.size() == 18 && lun.rfind("0x", 0) == 0,
                         lun);
    }
    return 0;
}
