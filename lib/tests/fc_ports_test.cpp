// The FC transport's sysfs, parsed once: initiator ports, remote ports and
// udev's by-path prefix, from a host tree laid out as Linux 6.1 has it.

#include <catch2/catch.hpp>
#include <filesystem>

#include "brick/fc/ports.hpp"
#include "brick/host/real_host.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;

constexpr const char* pci_host = "devices/pci0000:00/0000:00:03.0/0000:05:00.3/host4";

// An lpfc port (host4) with two remote ports, one of them gone past
// dev_loss_tmo, and a QLogic port (host5) in Linkdown on a platform bus.
void write_tree(const brick::testing::TempDir& dir) {
    const std::string host4 = std::string("sys/") + pci_host;
    dir.write(host4 + "/fc_host/host4/port_name", "0x10000090FA0D6F91\n");
    dir.write(host4 + "/fc_host/host4/node_name", "0x20000090fa0d6f91\n");
    dir.write(host4 + "/fc_host/host4/port_state", "Online\n");
    const std::string host5 =
        "sys/devices/platform/smb/smb:motherboard/80040000000.peu0-c0/pci0000:00/0000:00:02.0/"
        "0000:07:00.1/host5";
    dir.write(host5 + "/fc_host/host5/port_name", "0x21000024ff7c4a11\n");
    dir.write(host5 + "/fc_host/host5/node_name", "0x20000024ff7c4a11\n");
    dir.write(host5 + "/fc_host/host5/port_state", "Linkdown\n");
    dir.write("sys/devices/virtual/broken/fc_host/host9/port_name", "not a wwn\n");
    dir.write("sys/devices/virtual/broken/fc_host/host9/node_name", "0x20000024ff7c4a11\n");
    dir.write("sys/devices/virtual/broken/fc_host/host9/port_state", "Online\n");
    const auto rport = [&](const std::string& name, const std::string& wwpn,
                           const std::string& state, const std::string& target) {
        const auto base = host4 + "/" + name + "/fc_remote_ports/" + name;
        dir.write(base + "/port_name", "0x" + wwpn + "\n");
        dir.write(base + "/node_name", "0x500a098089a0b001\n");
        dir.write(base + "/port_state", state + "\n");
        dir.write(base + "/roles", "FCP Target\n");
        dir.write(base + "/scsi_target_id", target + "\n");
        fs::create_directories(dir.path() / "sys/class/fc_remote_ports");
        fs::create_directory_symlink("../../" + base.substr(4),
                                     dir.path() / "sys/class/fc_remote_ports" / name);
    };
    rport("rport-4:0-1", "500a098289a0b001", "Online", "1");
    rport("rport-4:0-0", "500a098189a0b001", "Not Present", "0");
    rport("rport-4:0-2", "500a098389a0b001", "Online", "-1");
    fs::create_directories(dir.path() / "sys/class/fc_host");
    fs::create_directory_symlink("../../" + host4.substr(4) + "/fc_host/host4",
                                 dir.path() / "sys/class/fc_host/host4");
    fs::create_directory_symlink("../../" + host5.substr(4) + "/fc_host/host5",
                                 dir.path() / "sys/class/fc_host/host5");
    fs::create_directory_symlink("../../devices/virtual/broken/fc_host/host9",
                                 dir.path() / "sys/class/fc_host/host9");
}

brick::RealHost tree_host(const fs::path& root) {
    brick::RealHostOptions options;
    options.root = root;
    options.lock_dir = "/run/locks";
    return brick::RealHost(options);
}

}  // namespace

TEST_CASE("FC initiator ports: names normalised, state, by-path prefix", "[fc]") {
    brick::testing::TempDir dir;
    write_tree(dir);
    auto host = tree_host(dir.path());
    const auto ports = brick::fc::read_host_ports(host);
    REQUIRE(ports.size() == 2);  // host9's port name is not a WWN
    CHECK(ports[0].scsi_host == 4);
    CHECK(ports[0].wwpn == "10000090fa0d6f91");
    CHECK(ports[0].online());
    CHECK(ports[0].by_path_prefix == "pci-0000:05:00.3");
    CHECK(ports[1].scsi_host == 5);
    CHECK_FALSE(ports[1].online());
    CHECK(ports[1].by_path_prefix == "platform-80040000000.peu0-c0-pci-0000:07:00.1");
}

TEST_CASE("FC remote ports: channel, target id, state", "[fc]") {
    brick::testing::TempDir dir;
    write_tree(dir);
    auto host = tree_host(dir.path());
    const auto rports = brick::fc::read_remote_ports(host);
    REQUIRE(rports.size() == 3);
    CHECK(rports[0].number == 0);
    CHECK(rports[0].port_state == "Not Present");
    CHECK_FALSE(rports[0].online());
    CHECK(rports[1].scsi_host == 4);
    CHECK(rports[1].channel == 0);
    CHECK(rports[1].wwpn == "500a098289a0b001");
    CHECK(rports[1].wwnn == "500a098089a0b001");
    CHECK(rports[1].scsi_target_id == 1U);
    CHECK(rports[1].roles == "FCP Target");
    CHECK_FALSE(rports[2].scsi_target_id.has_value());
}

TEST_CASE("FC names and by-path prefixes from sysfs text", "[fc]") {
    using brick::fc::by_path_prefix_of;
    using brick::fc::parse_port_name;
    CHECK(parse_port_name("0x500A098189A0B001\n") == "500a098189a0b001");
    CHECK(parse_port_name("500a098189a0b001") == "500a098189a0b001");
    CHECK_FALSE(parse_port_name("0x500a098189a0b0"));
    CHECK_FALSE(parse_port_name("0xffffffffffff;rm"));
    CHECK(by_path_prefix_of("../../devices/pci0000:00/0000:00:03.0/0000:05:00.3/host2/fc_host/"
                            "host2") == "pci-0000:05:00.3");
    // FCoE: the port hangs off a network device.
    CHECK(by_path_prefix_of("/sys/devices/pci0000:20/0000:20:03.0/0000:21:00.2/net/ens2f2/ctlr_2/"
                            "host3/fc_host/host3") == "pci-0000:21:00.2");
    CHECK(by_path_prefix_of("../../devices/virtual/host7/fc_host/host7").empty());
    CHECK(by_path_prefix_of("host2").empty());
}
