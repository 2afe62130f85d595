// The fake iscsiadm's outputs and exit codes in several model states.
#include <catch2/catch.hpp>

#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

TEST_CASE("iscsiadm with no sessions and no records", "[iscsiadm]") {
    SimHost host(fabric("single_chap.json"));
    auto r = run(host, {"iscsiadm", "-m", "session"});
    CHECK(r.exit_status == 21);
    CHECK(r.err == "iscsiadm: No active sessions.\n");
    r = run(host, {"iscsiadm", "-m", "node"});
    CHECK(r.exit_status == 21);
    CHECK(r.err == "iscsiadm: No records found\n");
    r = run(host,
            {"iscsiadm", "-m", "node", "-T", chap_iqn, "-p", "192.168.122.10:3260", "--logout"});
    CHECK(r.exit_status == 21);
    CHECK(r.err == "iscsiadm: No matching sessions found\n");
    r = run(host,
            {"iscsiadm", "-m", "node", "-T", chap_iqn, "-p", "192.168.122.10:3260", "--login"});
    CHECK(r.exit_status == 21);
}

TEST_CASE("iscsiadm node records, login, session listing, logout", "[iscsiadm]") {
    SimHost host(fabric("single_chap.json"));
    auto r = run(host, {"iscsiadm", "-m", "node", "-T", chap_iqn, "-p", "192.168.122.10:3260",
                        "--interface", "default", "--op", "new"});
    CHECK(r.exit_status == 0);
    CHECK(r.out ==
          "New iSCSI node [tcp:[hw=,ip=,net_if=,iscsi_if=default] 192.168.122.10,3260,-1 " +
              std::string(chap_iqn) + "] added\n");
    r = run(host, {"iscsiadm", "-m", "node"});
    CHECK(r.out == "192.168.122.10:3260,4294967295 " + std::string(chap_iqn) + "\n");
    // Its portal group is not known: open-iscsi keeps it as one file named
    // for the portal, not a folder ADDRESS,PORT,TPGT with a file per iface.
    std::string record;
    CHECK(
        host.read_file("/etc/iscsi/nodes/" + std::string(chap_iqn) + "/192.168.122.10,3260", record)
            .ok());
    CHECK(record.find("node.name = " + std::string(chap_iqn) + "\n") != std::string::npos);
    // Without CHAP the target rejects the login.
    r = run(host,
            {"iscsiadm", "-m", "node", "-T", chap_iqn, "-p", "192.168.122.10:3260", "--login"});
    CHECK(r.exit_status == 24);
    CHECK(r.err.find(
              "initiator reported error (24 - iSCSI login failed due to authorization failure)") !=
          std::string::npos);
    r = login_chap(host);
    CHECK(r.exit_status == 0);
    CHECK(r.out == "Logging in to [iface: default, target: " + std::string(chap_iqn) +
                       ", portal: 192.168.122.10,3260]\nLogin to [iface: default, target: " +
                       chap_iqn + ", portal: 192.168.122.10,3260] successful.\n");
    r = login_chap(host);
    CHECK(r.exit_status == 15);
    r = run(host, {"iscsiadm", "-m", "session"});
    CHECK(r.exit_status == 0);
    CHECK(r.out == "tcp: [1] 192.168.122.10:3260,1 " + std::string(chap_iqn) + " (non-flash)\n");
    r = run(host, {"iscsiadm", "-m", "node", "-T", chap_iqn, "-p", "192.168.122.10:3260"});
    CHECK(r.out.find("node.session.auth.password = ********\n") != std::string::npos);
    CHECK(r.out.find("node.session.scan = manual\n") != std::string::npos);
    r = run(host, {"iscsiadm", "-m", "node", "-T", chap_iqn, "-p", "192.168.122.10:3260", "--op",
                   "delete"});
    CHECK(r.exit_status == 15);
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 0 1", Duration(1000)).ok());
    host.advance(Duration(200));
    r = run(host, {"iscsiadm", "-m", "session", "-P", "3"});
    CHECK(
        r.out.find(
            "\t\tscsi2 Channel 00 Id 0 Lun: 1\n\t\t\tAttached scsi disk sdb\t\tState: running\n") !=
        std::string::npos);
    CHECK(r.out.find("chapsecret") == std::string::npos);
    r = run(host,
            {"iscsiadm", "-m", "node", "-T", chap_iqn, "-p", "192.168.122.10:3260", "--logout"});
    CHECK(r.exit_status == 0);
    CHECK(r.out.find("Logout of [sid: 1, target: " + std::string(chap_iqn) +
                     ", portal: 192.168.122.10,3260] successful.") != std::string::npos);
    CHECK_FALSE(host.exists("/dev/sdb"));
    r = run(host, {"iscsiadm", "-m", "node", "-T", chap_iqn, "-p", "192.168.122.10:3260", "--op",
                   "delete"});
    CHECK(r.exit_status == 0);
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("iscsiadm discovery, unknown portals, unknown tools", "[iscsiadm]") {
    SimHost host(fabric("two_portals.json"));
    auto r = run(host,
                 {"iscsiadm", "-m", "discovery", "-t", "sendtargets", "-p", "192.168.122.10:3260"});
    CHECK(r.exit_status == 0);
    CHECK(r.out == "192.168.122.10:3260,1 " + std::string(mp_iqn) + "\n[2001:db8::10]:3260,1 " +
                       mp_iqn + "\n");
    CHECK(host.model().state().nodes.size() == 2);
    r = run(host, {"iscsiadm", "-m", "discovery", "-t", "sendtargets", "-p", "10.9.9.9:3260"});
    CHECK(r.exit_status == 4);
    const auto before = host.now_ms();
    r = run(host, {"iscsiadm", "-m", "node", "-T", mp_iqn, "-p", "10.9.9.9", "--op", "new"});
    r = run(host, {"iscsiadm", "-m", "node", "-T", mp_iqn, "-p", "10.9.9.9", "--login"});
    CHECK(r.exit_status == 8);
    CHECK(host.now_ms() - before >= 15000);
    r = run(host, {"nosuchtool", "--help"});
    CHECK(r.not_found);
    r = run(host, {"iscsiadm", "-m", "node", "-T", mp_iqn, "-p", "[2001:db8::10]:3260", "--login"});
    CHECK(r.exit_status == 0);
    r = run(host, {"iscsiadm", "-m", "session"});
    CHECK(r.out == "tcp: [1] [2001:db8::10]:3260,1 " + std::string(mp_iqn) + " (non-flash)\n");
}

TEST_CASE("multipathd, multipath, scsi_id, lsscsi, blockdev render the model", "[tools]") {
    SimHost host(fabric("single_chap.json"));
    REQUIRE(login_chap(host).exit_status == 0);
    REQUIRE(host.write_file("/sys/class/scsi_host/host2/scan", "0 0 1", Duration(1000)).ok());
    host.advance(Duration(2000));
    auto r = run(host, {"/lib/udev/scsi_id", "--page", "0x83", "--whitelisted", "/dev/sdb"});
    CHECK(r.out == std::string(chap_wwid) + "\n");
    r = run(host, {"blockdev", "--getsize64", "/dev/sdb"});
    CHECK(r.out == "1073741824\n");
    r = run(host, {"lsscsi"});
    CHECK(r.out.find("[2:0:0:1]    disk    LIO-ORG  vol-1            4.0   /dev/sdb") !=
          std::string::npos);
    r = run(host, {"multipathd", "show", "status"});
    CHECK(r.out == "path checker states:\n\npaths: 0\nbusy: False\n");
    r = run(host, {"multipath", "-a", chap_wwid});
    CHECK(r.out == "wwid '" + std::string(chap_wwid) + "' added\n");
    r = run(host, {"multipathd", "add", "path", "/dev/sdb"});
    CHECK(r.out == "ok\n");
    host.advance(Duration(2000));
    CHECK(host.read_attribute("/sys/block/dm-0/dm/uuid") == "mpath-" + std::string(chap_wwid));
    CHECK(host.glob("/sys/block/sdb/holders/dm-*") ==
          std::vector<std::string>{"/sys/block/sdb/holders/dm-0"});
    std::vector<std::string> slaves;
    REQUIRE(host.list_dir("/sys/block/dm-0/slaves", slaves).ok());
    CHECK(slaves == std::vector<std::string>{"sdb"});
    std::string link;
    REQUIRE(host.read_link("/dev/disk/by-id/scsi-" + std::string(chap_wwid), link).ok());
    CHECK(link == "../../dm-0");
    r = run(host, {"multipathd", "show", "maps"});
    CHECK(r.out.find(std::string(chap_wwid) + " dm-0") != std::string::npos);
    r = run(host, {"multipath", "-ll"});
    CHECK(r.out.find("  `- 2:0:0:1 sdb 8:16 active ready running\n") != std::string::npos);
    r = run(host, {"dmsetup", "ls"});
    CHECK(r.out == std::string(chap_wwid) + "\t(254:0)\n");
    r = run(host, {"multipath", "-f", chap_wwid});
    CHECK(r.exit_status == 0);
    CHECK_FALSE(host.exists("/sys/block/dm-0"));
    r = run(host, {"udevadm", "settle"});
    CHECK(r.exit_status == 0);
    r = run(host, {"tee", "-a", "/sys/block/sdb/device/delete"}, "1");
    CHECK(r.exit_status == 0);
    CHECK_FALSE(host.exists("/dev/sdb"));
}
