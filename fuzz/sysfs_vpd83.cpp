// VPD page 0x83 (`device/vpd_pg83`, binary, written by the target) and sysfs
// `device/wwid`: the identity a SCSI disk must carry before it is returned as
// the volume's device. Input: the raw page; the same bytes are also read as a
// `wwid` attribute and as a list of designators that the simulator renders
// into a page, whose identity must be the simulator's scsi_id (what udev and
// multipath would call the device).

#include <algorithm>
#include <cctype>

#include "brick/scsi/vpd83.hpp"
#include "sim/model/identity.hpp"
#include "support.hpp"

namespace {

using brick::sim::Designator;
using brick::sim::DesignatorType;

// An identifier names a device to dm-multipath and in log lines: a type digit,
// then lower-case hex (NAA, EUI-64) or udev's allowed characters (T10).
void check_identifier(const std::optional<std::string>& id) {
    if (!id) {
        return;
    }
    const auto& text = *id;
    BRICK_FUZZ_CHECK(text.size() >= 2, text);
    BRICK_FUZZ_CHECK(text[0] == '1' || text[0] == '2' || text[0] == '3', text);
    const auto body = std::string_view(text).substr(1);
    if (text[0] == '1') {
        BRICK_FUZZ_CHECK(std::all_of(body.begin(), body.end(),
                                     [](char c) {
                                         return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                                                std::string_view("#+-.:=@_\\").find(c) !=
                                                    std::string_view::npos;
                                     }),
                         text);
    } else {
        BRICK_FUZZ_CHECK(
            std::all_of(body.begin(), body.end(),
                        [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }),
            text);
    }
}

std::string hex(std::string_view bytes) {
    static constexpr std::string_view digits = "0123456789abcdef";
    std::string out;
    for (const char c : bytes) {
        out.push_back(digits[static_cast<unsigned char>(c) >> 4U]);
        out.push_back(digits[static_cast<unsigned char>(c) & 0xfU]);
    }
    return out;
}

// Designators the simulator's fabric accepts, read from the input: a type
// byte, a length byte, the value.
std::vector<Designator> designators(std::string_view input) {
    std::vector<Designator> out;
    std::size_t pos = 0;
    while (pos + 2 <= input.size() && out.size() < 16) {
        const auto type = static_cast<unsigned char>(input[pos]) % 3U;
        const std::size_t length = static_cast<unsigned char>(input[pos + 1]);
        pos += 2;
        const auto value = input.substr(pos, std::min(length, input.size() - pos));
        pos += value.size();
        if (type == 0) {
            if (value.size() == 8 || value.size() == 16) {
                out.push_back({DesignatorType::naa, hex(value)});
            }
        } else if (type == 1) {
            if (value.size() == 8 || value.size() == 12 || value.size() == 16) {
                out.push_back({DesignatorType::eui64, hex(value)});
            }
        } else if (std::all_of(value.begin(), value.end(),
                               [](char c) { return c >= 0x20 && c <= 0x7e; })) {
            out.push_back({DesignatorType::t10, std::string(value)});
        }
    }
    return out;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto input = brick::fuzz::as_text(data, size);
    check_identifier(brick::scsi::scsi_id_from_vpd83(input));
    check_identifier(brick::scsi::scsi_id_from_sysfs_wwid(input));

    const auto list = designators(input);
    const auto page = brick::sim::vpd83_page(list);
    const auto expected = brick::sim::scsi_id(list);
    const auto read = brick::scsi::scsi_id_from_vpd83(page).value_or("");
    BRICK_FUZZ_CHECK(read == expected, "page gives \"" + read + "\", udev \"" + expected + "\"");
    const auto wwid = brick::sim::sysfs_wwid(list);
    const auto from_wwid = brick::scsi::scsi_id_from_sysfs_wwid(wwid).value_or("");
    BRICK_FUZZ_CHECK(from_wwid == expected, "wwid \"" + wwid + "\" gives \"" + from_wwid +
                                                "\", udev \"" + expected + "\"");
    return 0;
}
