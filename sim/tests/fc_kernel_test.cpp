// The Fibre Channel model: HBA ports, remote ports per zoning, targeted scans
// through the FC transport, udev's FC names, link loss and stale LUNs.
#include <catch2/catch.hpp>

#include "sim/model/udev_names.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

constexpr const char* hba1 = "10000090fa0d6f91";
constexpr const char* hba2 = "10000090fa0d6f92";
constexpr const char* port_a = "500a098189a0b001";
constexpr const char* port_b = "500a098289a0b001";
constexpr const char* wwid1 = "3600a098038303053453f463045747a31";

std::string attribute(Host& host, const std::string& path) {
    return host.read_attribute(path).value_or("(missing)");
}

std::vector<std::string> names(Host& host, const std::string& dir) {
    std::vector<std::string> out;
    host.list_dir(dir, out);
    return out;
}

std::size_t remote_devices(SimHost& host) {
    std::size_t count = 0;
    for (const auto& [address, device] : host.model().state().devices) {
        count += device.remote() ? 1 : 0;
    }
    return count;
}

// fc_two_hbas.json with zoning: host2 sees port A only, host3 both ports.
Fabric zoned_fabric() {
    auto fabric = test::fabric("fc_two_hbas.json");
    fabric.fc.zones = std::vector<FcZone>{{"a", {hba1, port_a}}, {"b", {hba2, port_a, port_b}}};
    return fabric;
}

}  // namespace

TEST_CASE("FC HBA ports appear as fc_host with their remote ports, no LUN before a scan",
          "[fc][kernel]") {
    SimHost host(fabric("fc_two_hbas.json"));
    CHECK(names(host, "/sys/class/fc_host") == std::vector<std::string>{"host2", "host3"});
    CHECK(attribute(host, "/sys/class/fc_host/host2/port_name") == "0x" + std::string(hba1));
    CHECK(attribute(host, "/sys/class/fc_host/host2/node_name") == "0x20000090fa0d6f91");
    CHECK(attribute(host, "/sys/class/fc_host/host2/port_state") == "Online");
    CHECK(attribute(host, "/sys/class/scsi_host/host2/proc_name") == "qla2xxx");
    std::string link;
    REQUIRE(host.read_link("/sys/class/fc_host/host3", link).ok());
    CHECK(link == "../../devices/pci0000:00/0000:00:03.0/0000:05:00.1/host3/fc_host/host3");

    CHECK(names(host, "/sys/class/fc_remote_ports") ==
          std::vector<std::string>{"rport-2:0-0", "rport-2:0-1", "rport-3:0-0", "rport-3:0-1"});
    const std::string rport = "/sys/class/fc_remote_ports/rport-3:0-1";
    CHECK(attribute(host, rport + "/port_name") == "0x" + std::string(port_b));
    CHECK(attribute(host, rport + "/node_name") == "0x500a098089a0b001");
    CHECK(attribute(host, rport + "/port_state") == "Online");
    CHECK(attribute(host, rport + "/roles") == "FCP Target");
    CHECK(attribute(host, rport + "/scsi_target_id") == "1");
    // Targets exist only once a scan found LUNs behind them.
    CHECK(names(host, "/sys/class/fc_transport").empty());
    CHECK(remote_devices(host) == 0);
}

TEST_CASE("a targeted FC scan adds exactly that LUN behind that remote port, named by udev",
          "[fc][kernel]") {
    SimHost host(fabric("fc_two_hbas.json"));
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 1 1", Duration(1000)).ok());
    CHECK(host.exists("/sys/class/scsi_device/2:0:1:1"));
    CHECK(remote_devices(host) == 1);
    CHECK(attribute(host, "/sys/class/fc_transport/target2:0:1/port_name") ==
          "0x" + std::string(port_b));
    CHECK(attribute(host, "/sys/class/fc_transport/target2:0:1/node_name") == "0x500a098089a0b001");
    CHECK_FALSE(host.exists("/dev/sdb"));
    host.advance(Duration(2000));
    std::string link;
    REQUIRE(host.read_link("/sys/block/sdb", link).ok());
    CHECK(link ==
          "../devices/pci0000:00/0000:00:03.0/0000:05:00.0/host2/rport-2:0-1/target2:0:1/2:0:1:1/"
          "block/sdb");
    CHECK(attribute(host, "/sys/block/sdb/device/vendor") == "NETAPP");
    CHECK(attribute(host, "/sys/block/sdb/device/wwid") == "naa.600a098038303053453f463045747a31");
    REQUIRE(
        host.read_link("/dev/disk/by-path/pci-0000:05:00.0-fc-0x" + std::string(port_b) + "-lun-1",
                       link)
            .ok());
    CHECK(link == "../../sdb");
    CHECK(host.exists("/dev/disk/by-id/scsi-" + std::string(wwid1)));
    CHECK(host.exists("/dev/disk/by-id/wwn-0x600a098038303053453f463045747a31"));
    CHECK(host.model().state().wildcard_scans == 0);
    // The target goes with its last device.
    REQUIRE(host.write_file("/sys/block/sdb/device/delete", "1", Duration(1000)).ok());
    CHECK(names(host, "/sys/class/fc_transport").empty());
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("FC LUN 256 and up: the by-path LUN is hex with swapped 16-bit levels", "[fc][udev]") {
    SimHost host(fabric("fc_two_hbas.json"));
    REQUIRE(host.write_file("/sys/class/scsi_host/host3/scan", "0 0 300", Duration(1000)).ok());
    host.advance(Duration(2000));
    CHECK(host.exists("/sys/class/scsi_device/3:0:0:300"));
    CHECK(host.exists("/dev/disk/by-path/pci-0000:05:00.1-fc-0x" + std::string(port_a) +
                      "-lun-0x012c000000000000"));
    CHECK(fc_by_path_link("0000:05:00.1", port_a, 65536 + 300) ==
          "/dev/disk/by-path/pci-0000:05:00.1-fc-0x" + std::string(port_a) +
              "-lun-0x012c000100000000");
    CHECK(fc_by_path_link("0000:81:00.0", port_b, 255) ==
          "/dev/disk/by-path/pci-0000:81:00.0-fc-0x" + std::string(port_b) + "-lun-255");
}

TEST_CASE("a wildcard FC scan reaches every zoned target port and is counted", "[fc][kernel]") {
    SimHost host(fabric("fc_two_hbas.json"));
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "- - 1", Duration(1000)).ok());
    CHECK(host.exists("/sys/class/scsi_device/2:0:0:1"));
    CHECK(host.exists("/sys/class/scsi_device/2:0:1:1"));
    CHECK(remote_devices(host) == 2);
    CHECK(host.model().state().wildcard_scans == 1);
    // A malformed scan is refused by the kernel.
    CHECK(host.write_file("/sys/class/scsi_host/host2/scan", "0 1", Duration(1000)).error ==
          EINVAL);
}

TEST_CASE("zoning decides which target ports an HBA port sees", "[fc][kernel]") {
    SimHost host(zoned_fabric());
    CHECK(names(host, "/sys/class/fc_remote_ports") ==
          std::vector<std::string>{"rport-2:0-0", "rport-3:0-0", "rport-3:0-1"});
    CHECK(attribute(host, "/sys/class/fc_remote_ports/rport-2:0-0/port_name") ==
          "0x" + std::string(port_a));
    // A scan of a target id host2 has no remote port for finds nothing.
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 1 1", Duration(1000)).ok());
    CHECK(remote_devices(host) == 0);
}

TEST_CASE("a link down blocks the paths; dev_loss_tmo removes them; the link comes back",
          "[fc][kernel][faults]") {
    SimHost host(fabric("fc_two_hbas.json"), {.seed = 4});
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 0 1", Duration(1000)).ok());
    host.advance(Duration(2000));
    REQUIRE(host.exists("/dev/sdb"));
    host.inject({{"fault", "fc_link_down"}, {"hba", hba1}});
    host.advance(Duration(10));
    CHECK(attribute(host, "/sys/class/fc_host/host2/port_state") == "Linkdown");
    CHECK(attribute(host, "/sys/class/fc_host/host3/port_state") == "Online");
    CHECK(attribute(host, "/sys/class/fc_remote_ports/rport-2:0-0/port_state") == "Blocked");
    CHECK(attribute(host, "/sys/block/sdb/device/state") == "blocked");
    // No scan reaches a blocked remote port.
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 1 1", Duration(1000)).ok());
    CHECK(remote_devices(host) == 1);

    host.advance(Duration(31000));
    CHECK(attribute(host, "/sys/class/fc_remote_ports/rport-2:0-0/port_state") == "Not Present");
    CHECK(attribute(host, "/sys/class/fc_remote_ports/rport-2:0-0/node_name") ==
          "0xffffffffffffffff");
    CHECK(attribute(host, "/sys/class/fc_remote_ports/rport-2:0-0/scsi_target_id") == "0");
    CHECK_FALSE(host.exists("/dev/sdb"));
    CHECK(remote_devices(host) == 0);

    CHECK(host.model().fc_set_link(hba1, true) == 1);
    host.advance(Duration(1000));
    CHECK(attribute(host, "/sys/class/fc_host/host2/port_state") == "Online");
    CHECK(attribute(host, "/sys/class/fc_remote_ports/rport-2:0-0/port_state") == "Online");
    // Consistent binding: the same target id, and no LUN comes back unscanned.
    CHECK(attribute(host, "/sys/class/fc_remote_ports/rport-2:0-0/scsi_target_id") == "0");
    CHECK(remote_devices(host) == 0);
}

TEST_CASE("a link that recovers before dev_loss_tmo keeps its devices", "[fc][kernel][faults]") {
    SimHost host(fabric("fc_two_hbas.json"));
    REQUIRE(host.write_file("/sys/class/scsi_host/host3/scan", "0 1 2", Duration(1000)).ok());
    host.advance(Duration(2000));
    host.inject({{"fault", "fc_link_down"}, {"hba", hba2}, {"recover_ms", 5000}});
    host.advance(Duration(100));
    CHECK(attribute(host, "/sys/block/sdb/device/state") == "blocked");
    host.advance(Duration(6000));
    CHECK(attribute(host, "/sys/class/fc_remote_ports/rport-3:0-1/port_state") == "Online");
    CHECK(attribute(host, "/sys/block/sdb/device/state") == "running");
    host.advance(Duration(40000));  // the old dev_loss_tmo does nothing now
    CHECK(host.exists("/dev/sdb"));
}

TEST_CASE("an HBA port down at boot has no remote ports", "[fc][kernel]") {
    auto fabric = test::fabric("fc_two_hbas.json");
    fabric.fc.hbas[0].port_state = "Linkdown";
    SimHost host(fabric);
    CHECK(attribute(host, "/sys/class/fc_host/host2/port_state") == "Linkdown");
    CHECK(names(host, "/sys/class/fc_remote_ports") ==
          std::vector<std::string>{"rport-3:0-0", "rport-3:0-1"});
}

TEST_CASE("a remapped FC LUN: the device keeps the old identity until rescanned",
          "[fc][kernel][faults]") {
    SimHost host(fabric("fc_two_hbas.json"));
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 0 1", Duration(1000)).ok());
    host.advance(Duration(2000));
    host.inject(
        {{"fault", "lun_remapped"},
         {"wwnn", "500a098089a0b001"},
         {"lun", 1},
         {"to",
          {{"volume", "intruder"},
           {"size", 4096},
           {"designators", {{{"type", "naa"}, {"value", "600a0980ffffffffffffffffffffffff"}}}}}}});
    host.advance(Duration(10));
    CHECK(attribute(host, "/sys/block/sdb/device/wwid") == "naa.600a098038303053453f463045747a31");
    REQUIRE(host.write_file("/sys/block/sdb/device/rescan", "1", Duration(1000)).ok());
    CHECK(attribute(host, "/sys/block/sdb/device/wwid") == "naa.600a0980ffffffffffffffffffffffff");
    CHECK(attribute(host, "/sys/block/sdb/size") == "8");
}

TEST_CASE("FC fabric files are checked", "[fc][fabric]") {
    const auto error_at = [](const nlohmann::json& fc) {
        try {
            parse_fabric({{"fc", fc}});
        } catch (const FabricError& e) {
            return e.path();
        }
        return std::string("(accepted)");
    };
    const nlohmann::json hba{{"wwpn", hba1}};
    CHECK(error_at({{"hbas", nlohmann::json::array()}}) == "/fc/hbas");
    CHECK(error_at({{"hbas", {{{"wwpn", "10000090fa0d6f9"}}}}}) == "/fc/hbas/0/wwpn");
    CHECK(error_at({{"hbas", {{{"wwpn", hba1}, {"port_state", "Up"}}}}}) ==
          "/fc/hbas/0/port_state");
    CHECK(error_at({{"hbas", {hba, hba}}}) == "/fc/hbas/1/wwpn");
    CHECK(error_at({{"hbas", {hba}}, {"targets", {{{"wwnn", port_a}, {"ports", {hba1}}}}}}) ==
          "/fc/targets/0/ports/0");
    CHECK(error_at({{"hbas", {hba}}, {"zones", {{{"members", {port_b}}}}}}) ==
          "/fc/zones/0/members/0");
    CHECK(error_at({{"hbas", {hba}}, {"wwpn", hba1}}) == "/fc/wwpn");
    const auto fabric = parse_fabric(
        {{"fc",
          {{"hbas", {{{"wwpn", "0x10000090FA0D6F91"}}}},
           {"targets",
            {{{"wwnn", port_a}, {"ports", {port_b}}, {"luns", nlohmann::json::array()}}}}}}});
    CHECK(fabric.fc.hbas[0].wwpn == hba1);
    CHECK(fabric.fc.hbas[0].wwnn == "20000090fa0d6f91");
    CHECK(fabric.fc.hbas[0].pci_address == "0000:05:00.0");
    CHECK(fabric.fc.zoned(hba1, port_b));
}
