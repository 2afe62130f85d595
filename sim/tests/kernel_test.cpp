// Kernel effects of sysfs writes and the asynchronous appearance of disks.
#include <catch2/catch.hpp>

#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

TEST_CASE("login creates the session, its SCSI host and the sysfs chain", "[kernel]") {
    SimHost host(fabric("single_chap.json"));
    REQUIRE(login_chap(host).exit_status == 0);
    CHECK(host.read_attribute("/sys/class/iscsi_session/session1/targetname") == chap_iqn);
    CHECK(host.read_attribute("/sys/class/iscsi_session/session1/state") == "LOGGED_IN");
    CHECK(host.read_attribute("/sys/class/iscsi_connection/connection1:0/address") ==
          "192.168.122.10");
    CHECK(host.glob("/sys/class/iscsi_host/host*/device/session1") ==
          std::vector<std::string>{"/sys/class/iscsi_host/host2/device/session1"});
    // Manual scan: no target until the first scan.
    CHECK(host.glob("/sys/class/iscsi_host/host2/device/session1/target*").empty());
    CHECK(host.read_attribute("/etc/iscsi/initiatorname.iscsi")
              .value()
              .find("InitiatorName=iqn.1993-08.org.debian:01:sim") != std::string::npos);
}

TEST_CASE("a targeted scan: scsi_device at once, disk, node and links later", "[kernel]") {
    SimHost host(fabric("single_chap.json"));
    REQUIRE(login_chap(host).exit_status == 0);
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 0 1", Duration(10000)).ok());
    CHECK(host.exists("/sys/class/scsi_device/2:0:0:1"));
    CHECK(host.glob("/sys/class/iscsi_host/host2/device/session1/target*").size() == 1);
    CHECK_FALSE(host.exists("/dev/sdb"));
    host.advance(Duration(200));
    CHECK(host.glob("/sys/class/scsi_host/host2/device/session1/target2:0:0/2:0:0:1/block/*") ==
          std::vector<std::string>{
              "/sys/class/scsi_host/host2/device/session1/target2:0:0/2:0:0:1/block/sdb"});
    FileInfo info;
    REQUIRE(host.stat("/dev/sdb", info).ok());
    CHECK(info.type == FileType::block_device);
    CHECK(info.major == 8);
    CHECK(info.minor == 16);
    CHECK(host.read_attribute("/sys/block/sdb/size") == std::to_string(1073741824 / 512));
    CHECK(host.read_attribute("/sys/block/sdb/device/wwid") ==
          "naa.60014050aabbccdd0000000000000001");
    CHECK(host.read_attribute("/sys/block/sdb/device/vendor") == "LIO-ORG");
    std::string link;
    REQUIRE(host.read_link("/sys/block/sdb/device", link).ok());
    CHECK(link.substr(link.rfind('/') + 1) == "2:0:0:1");
    CHECK_FALSE(host.exists("/dev/disk/by-id/scsi-" + std::string(chap_wwid)));
    host.advance(Duration(1000));
    CHECK(host.exists("/dev/disk/by-id/scsi-" + std::string(chap_wwid)));
    CHECK(host.exists("/dev/disk/by-path/ip-192.168.122.10:3260-iscsi-" + std::string(chap_iqn) +
                      "-lun-1"));
    REQUIRE(host.read_link("/dev/disk/by-id/wwn-0x60014050aabbccdd0000000000000001", link).ok());
    CHECK(link == "../../sdb");
    CHECK(host.model().state().wildcard_scans == 0);
    // Only LUN 1 was added.
    CHECK(host.model().state().devices.size() == 2);  // sda (local) and sdb
}

TEST_CASE("LUN >= 256 by-path link, delete returns once the device is gone", "[kernel]") {
    SimHost host(fabric("single_chap.json"));
    REQUIRE(login_chap(host).exit_status == 0);
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "- - 300", Duration(10000)).ok());
    host.advance(Duration(2000));
    CHECK(host.exists("/dev/disk/by-path/ip-192.168.122.10:3260-iscsi-" + std::string(chap_iqn) +
                      "-lun-0x012c000000000000"));
    CHECK(host.exists("/dev/disk/by-id/scsi-20025385b71b0a1c2"));
    REQUIRE(host.write_file("/sys/block/sdb/device/delete", "1", Duration(10000)).ok());
    CHECK_FALSE(host.exists("/sys/block/sdb"));
    CHECK_FALSE(host.exists("/dev/sdb"));
    CHECK(host.glob("/dev/disk/by-id/scsi-2*").empty());
}

TEST_CASE("a device being deleted reads state cancel, refuses I/O and a second delete",
          "[kernel]") {
    SimHost host(fabric("single_chap.json"));
    REQUIRE(login_chap(host).exit_status == 0);
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 0 1", Duration(10000)).ok());
    host.advance(Duration(2000));
    auto& model = host.model();
    REQUIRE(model.write_device("sdb", 0, std::string(512, 'a')) == 0);
    REQUIRE(model.dirty_blocks("sdb") == 1);
    host.inject({{"fault", "sysfs_write_blocks"}, {"path", "*/delete"}, {"ms", 5000}});
    CHECK(host.write_file("/sys/block/sdb/device/delete", "1", Duration(1000)).error == ETIMEDOUT);
    // The kernel is still tearing the device down (SDEV_CANCEL).
    CHECK(host.read_attribute("/sys/block/sdb/device/state") == "cancel");
    CHECK(model.write_device("sdb", 0, std::string(512, 'b')) == EIO);
    std::string read;
    CHECK(model.read_device("sdb", 0, 512, read) == EIO);
    CHECK(run(host, {"blockdev", "--flushbufs", "/dev/sdb"}).exit_status != 0);
    CHECK(host.write_file("/sys/block/sdb/device/delete", "1", Duration(1000)).error == ENODEV);
    CHECK(host.write_file("/sys/block/sdb/device/state", "running", Duration(1000)).error ==
          EINVAL);
    host.advance(Duration(5000));
    CHECK_FALSE(host.exists("/dev/sdb"));
    // What was still dirty when the delete began is gone with the device.
    CHECK(model.lost_blocks("vol-1") == 1);
}

TEST_CASE("a wildcard scan adds every LUN and is counted", "[kernel]") {
    SimHost host(fabric("single_chap.json"));
    REQUIRE(login_chap(host).exit_status == 0);
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "- - -", Duration(10000)).ok());
    CHECK(host.model().state().wildcard_scans == 1);
    CHECK(host.exists("/sys/class/scsi_device/2:0:0:1"));
    CHECK(host.exists("/sys/class/scsi_device/2:0:0:300"));
    CHECK(host.write_file("/sys/class/scsi_host/host2/scan", "0 0 x", Duration(10000)).error ==
          EINVAL);
}

TEST_CASE("rescan re-reads a remapped LUN, state offline and back", "[kernel]") {
    SimHost host(fabric("single_chap.json"));
    REQUIRE(login_chap(host).exit_status == 0);
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 0 1", Duration(10000)).ok());
    host.advance(Duration(2000));
    Volume other;
    other.id = "vol-other";
    other.size_bytes = 4ULL << 30U;
    other.designators = {{DesignatorType::naa, "60014059999999990000000000000009"}};
    host.model().remap_lun(chap_iqn, 1, other);
    CHECK(host.read_attribute("/sys/block/sdb/device/wwid") ==
          "naa.60014050aabbccdd0000000000000001");
    REQUIRE(host.write_file("/sys/block/sdb/device/rescan", "1", Duration(10000)).ok());
    CHECK(host.read_attribute("/sys/block/sdb/device/wwid") ==
          "naa.60014059999999990000000000000009");
    CHECK(host.read_attribute("/sys/block/sdb/size") == std::to_string((4ULL << 30U) / 512));
    REQUIRE(host.write_file("/sys/block/sdb/device/state", "offline", Duration(1000)).ok());
    CHECK(host.read_attribute("/sys/block/sdb/device/state") == "offline");
    CHECK(host.write_file("/sys/block/sdb/device/state", "bogus", Duration(1000)).error == EINVAL);
    REQUIRE(host.write_file("/sys/block/sdb/device/state", "running\n", Duration(1000)).ok());
    CHECK(host.read_attribute("/sys/block/sdb/device/state") == "running");
}

TEST_CASE("the writable store and read-only kernel files", "[kernel]") {
    SimHost host(fabric("single_chap.json"));
    CHECK(host.write_file("/sys/block/sda/size", "1", Duration(1000)).error == EACCES);
    CHECK(host.write_file("/sys/nothing/here", "1", Duration(1000)).error == ENOENT);
    CHECK(host.make_dirs("/etc/nvme").ok());
    REQUIRE(
        host.write_file("/etc/nvme/hostnqn", "nqn.2014-08.org.nvmexpress:uuid:1\n", Duration(1000))
            .ok());
    CHECK(host.read_attribute("/etc/nvme/hostnqn") == "nqn.2014-08.org.nvmexpress:uuid:1");
    CHECK(host.read_attribute("/sys/class/dmi/id/product_uuid").has_value());
    CHECK(host.read_attribute("/sys/module/nvme_core/parameters/multipath") == "Y");
    std::string content;
    CHECK(host.read_file("/sys/class/scsi_host/host0/scan", content).error == EACCES);
}
