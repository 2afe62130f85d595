// SCSI identity and naming: VPD page 0x83 parsing into scsi_id's identifier,
// the sysfs wwid fallback, addresses and udev's by-path LUN spelling.

#include <catch2/catch.hpp>
#include <string>

#include "brick/iscsi/iscsiadm.hpp"
#include "brick/scsi/disk.hpp"
#include "brick/scsi/vpd83.hpp"

namespace {

// Builds a VPD page 0x83 from designators (code set, type, body).
std::string vpd83(std::initializer_list<std::tuple<int, int, int, std::string>> designators) {
    std::string body;
    for (const auto& [code_set, association, type, value] : designators) {
        body.push_back(static_cast<char>(code_set));
        body.push_back(static_cast<char>((association << 4) | type));
        body.push_back('\0');
        body.push_back(static_cast<char>(value.size()));
        body += value;
    }
    std::string page = {'\0', static_cast<char>(0x83), static_cast<char>(body.size() >> 8),
                        static_cast<char>(body.size() & 0xFF)};
    return page + body;
}

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (int v : values) {
        out.push_back(static_cast<char>(v));
    }
    return out;
}

}  // namespace

TEST_CASE("scsi_id prefers NAA over EUI-64 over T10 and prefixes the type", "[scsi]") {
    const auto naa = bytes({0x60, 0x01, 0x40, 0x5a, 0xbc, 0xde, 0xf0, 0x12, 0x34, 0x56, 0x78, 0x9a,
                            0xbc, 0xde, 0xf0, 0x12});
    const auto eui = bytes({0x00, 0x25, 0x38, 0x5b, 0x71, 0x00, 0x00, 0x01});
    const std::string t10 = "LIO-ORG block1          1b2c3d4e";
    // LIO reports a T10 vendor id and an NAA designator: scsi_id takes the NAA.
    CHECK(brick::scsi::scsi_id_from_vpd83(vpd83({{2, 0, 1, t10}, {1, 0, 3, naa}})) ==
          "36001405abcdef0123456789abcdef012");
    CHECK(brick::scsi::scsi_id_from_vpd83(vpd83({{2, 0, 1, t10}, {1, 0, 2, eui}})) ==
          "20025385b71000001");
    CHECK(brick::scsi::scsi_id_from_vpd83(vpd83({{2, 0, 1, t10}})) == "1LIO-ORG_block1_1b2c3d4e");
    // Designators of the target port (association 1) do not identify the LU.
    CHECK_FALSE(brick::scsi::scsi_id_from_vpd83(vpd83({{1, 1, 3, naa}})).has_value());
    CHECK_FALSE(brick::scsi::scsi_id_from_vpd83("").has_value());
    CHECK_FALSE(brick::scsi::scsi_id_from_vpd83(bytes({0, 0x80, 0, 0})).has_value());
    // A length that runs past the buffer stops parsing instead of reading beyond it.
    auto truncated = vpd83({{1, 0, 3, naa}});
    truncated.resize(truncated.size() - 4);
    CHECK_FALSE(brick::scsi::scsi_id_from_vpd83(truncated).has_value());
}

TEST_CASE("sysfs wwid maps to scsi_id's prefix", "[scsi]") {
    CHECK(brick::scsi::scsi_id_from_sysfs_wwid("naa.6001405abcdef012\n") == "36001405abcdef012");
    CHECK(brick::scsi::scsi_id_from_sysfs_wwid("eui.0025385b71000001") == "20025385b71000001");
    CHECK(brick::scsi::scsi_id_from_sysfs_wwid("t10.LIO-ORG   block1") == "1LIO-ORG_block1");
    CHECK_FALSE(brick::scsi::scsi_id_from_sysfs_wwid("").has_value());
    CHECK_FALSE(brick::scsi::scsi_id_from_sysfs_wwid("garbage").has_value());
    // NAA and EUI-64 identifiers are hex; anything else identifies nothing.
    CHECK(brick::scsi::scsi_id_from_sysfs_wwid("naa.6001405ABCDEF012") == "36001405abcdef012");
    CHECK_FALSE(brick::scsi::scsi_id_from_sysfs_wwid("naa.6001405 VIRT").has_value());
    CHECK_FALSE(brick::scsi::scsi_id_from_sysfs_wwid("eui.0025;rm").has_value());
    CHECK_FALSE(brick::scsi::scsi_id_from_sysfs_wwid("t10.   ").has_value());
}

TEST_CASE("T10 identifiers are spelt as udev exports them", "[scsi]") {
    // White space runs become '_', characters udev does not allow become '_'
    // (what dm-multipath then takes as the WWID), control characters included.
    CHECK(brick::scsi::scsi_id_from_sysfs_wwid("t10.LIO-ORG vol/1;x") == "1LIO-ORG_vol_1_x");
    CHECK(brick::scsi::scsi_id_from_vpd83(vpd83({{2, 0, 1, "IET  a\x1b[2J\x7f#+=@"}})) ==
          "1IET_a__2J_#+=@");
    // NAA and EUI-64 designators in a text code set are malformed: the T10 one counts.
    CHECK(brick::scsi::scsi_id_from_vpd83(vpd83({{2, 0, 3, "6001405"}, {2, 0, 1, "LIO"}})) ==
          "1LIO");
    // An empty designator is passed over for the next best.
    CHECK(brick::scsi::scsi_id_from_vpd83(vpd83({{1, 0, 3, ""}, {2, 0, 1, "LIO"}})) == "1LIO");
}

TEST_CASE("SCSI addresses parse strictly", "[scsi]") {
    const auto address = brick::scsi::Address::parse("2:0:0:257");
    REQUIRE(address);
    CHECK(address->host == 2);
    CHECK(address->lun == 257);
    CHECK(address->to_string() == "2:0:0:257");
    CHECK_FALSE(brick::scsi::Address::parse("2:0:0").has_value());
    CHECK_FALSE(brick::scsi::Address::parse("2:0:0:1:5").has_value());
    CHECK_FALSE(brick::scsi::Address::parse("a:0:0:1").has_value());
    CHECK_FALSE(brick::scsi::Address::parse("2:0:0:-1").has_value());
    // Not the kernel's spelling: "2:0:0:01" is not 2:0:0:1.
    CHECK_FALSE(brick::scsi::Address::parse("2:0:0:01").has_value());
    CHECK_FALSE(brick::scsi::Address::parse("2:+0:0:1").has_value());
}

TEST_CASE("by-path LUN spelling follows udev", "[scsi]") {
    CHECK(brick::scsi::by_path_lun(0) == "0");
    CHECK(brick::scsi::by_path_lun(255) == "255");
    CHECK(brick::scsi::by_path_lun(256) == "0x0100000000000000");
    CHECK(brick::scsi::by_path_lun(16384) == "0x4000000000000000");
    CHECK(brick::scsi::by_path_lun(0x10001) == "0x0001000100000000");
}

TEST_CASE("SendTargets discovery output parses into portals and IQNs", "[iscsi]") {
    const auto found = brick::iscsi::parse_target_lines(
        "127.0.0.1:3260,1 iqn.2003-01.org.linux-iscsi.host:t1\n"
        "[fd00::1]:3261,1 iqn.2003-01.org.linux-iscsi.host:t1\n"
        "garbage line\n"
        "10.0.0.1:3260,1 iqn.bad name;rm\n");
    REQUIRE(found.size() == 2);
    CHECK(found[0].first.host == "127.0.0.1");
    CHECK(found[0].first.port == 3260);
    CHECK(found[1].first.host == "fd00::1");
    CHECK(found[1].first.port == 3261);
    CHECK(found[1].second == "iqn.2003-01.org.linux-iscsi.host:t1");
}
