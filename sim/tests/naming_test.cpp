#include <catch2/catch.hpp>

#include "sim/model/host_state.hpp"
#include "sim/model/identity.hpp"
#include "sim/model/portal.hpp"
#include "sim/model/udev_names.hpp"

using namespace brick::sim;

TEST_CASE("sd names follow the kernel", "[naming]") {
    CHECK(sd_name(0) == "sda");
    CHECK(sd_name(25) == "sdz");
    CHECK(sd_name(26) == "sdaa");
    CHECK(sd_name(701) == "sdzz");
    CHECK(sd_name(702) == "sdaaa");
    for (unsigned i : {0U, 1U, 25U, 26U, 27U, 701U, 702U, 18277U}) {
        CHECK(sd_index(sd_name(i)) == i);
    }
    CHECK(sd_device_number(0) == std::pair<unsigned, unsigned>{8, 0});
    CHECK(sd_device_number(1) == std::pair<unsigned, unsigned>{8, 16});
    CHECK(sd_device_number(16) == std::pair<unsigned, unsigned>{65, 0});
    CHECK(sd_device_number(128) == std::pair<unsigned, unsigned>{128, 0});
}

TEST_CASE("udev by-path names: IPv6 without brackets, LUN >= 256 in hex", "[naming]") {
    const auto v4 = *parse_portal("10.0.0.1:3260");
    const auto v6 = *parse_portal("[2001:db8::1]:3260");
    CHECK(v6.address == "2001:db8::1");
    CHECK(v6.to_string() == "[2001:db8::1]:3260");
    CHECK(iscsi_by_path_link(v4, "iqn.x:t", 1) ==
          "/dev/disk/by-path/ip-10.0.0.1:3260-iscsi-iqn.x:t-lun-1");
    CHECK(iscsi_by_path_link(v6, "iqn.x:t", 0) ==
          "/dev/disk/by-path/ip-2001:db8::1:3260-iscsi-iqn.x:t-lun-0");
    CHECK(by_path_lun(255) == "255");
    CHECK(by_path_lun(256) == "0x0100000000000000");
    CHECK(by_path_lun(300) == "0x012c000000000000");
    CHECK(by_path_lun(0x12345) == "0x2345000100000000");
}

TEST_CASE("scsi_id prefixes and sysfs wwid", "[naming]") {
    const std::vector<Designator> naa = {{DesignatorType::t10, "LIO-ORG vol"},
                                         {DesignatorType::naa, "60014050aabbccdd0000000000000001"}};
    CHECK(scsi_id(naa) == "360014050aabbccdd0000000000000001");
    CHECK(sysfs_wwid(naa) == "naa.60014050aabbccdd0000000000000001");
    CHECK(wwn_link_name(naa) == "wwn-0x60014050aabbccdd0000000000000001");
    const std::vector<Designator> eui = {{DesignatorType::eui64, "0025385b71b0a1c2"}};
    CHECK(scsi_id(eui) == "20025385b71b0a1c2");
    CHECK_FALSE(wwn_link_name(eui));
    const std::vector<Designator> t10 = {{DesignatorType::t10, "LIO-ORG  disk one"}};
    CHECK(scsi_id(t10) == "1LIO-ORG_disk_one");
    CHECK(scsi_id({}).empty());
    const auto page = vpd83_page(naa);
    CHECK(static_cast<unsigned char>(page[1]) == 0x83);
    CHECK(page.size() == 4 + (4 + 11) + (4 + 16));
}
