// A host reboot (sim/model/reboot.cpp): what survives it (node records, the
// wwids file, data synced at shutdown), what goes (sessions, SCSI devices,
// maps, /dev), and what the boot brings back: every node record with
// node.startup automatic logged in, scanned only when its node.session.scan
// is not manual. Against the model's state, the host's files and the library.
#include <catch2/catch.hpp>

#include "brick/connector/connector.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

constexpr const char* kept_iqn = "iqn.2003-01.org.example:kept";
constexpr const char* detached_iqn = "iqn.2003-01.org.example:detached";
constexpr const char* manual_iqn = "iqn.2003-01.org.example:manual";
constexpr const char* autoscan_iqn = "iqn.2003-01.org.example:autoscan";
constexpr const char* multipath_iqn = "iqn.2003-01.org.example:mp";
constexpr const char* iser_iqn = "iqn.2003-01.org.example:iser";
constexpr Duration boot_budget{120000};

// One LUN with an NAA identity of its own per target.
std::string target(const std::string& iqn, const std::string& portals, int n, bool iser = false) {
    return R"({"iqn": ")" + iqn + R"(", "portals": [)" + portals + "], " +
           (iser ? R"("iser": true, )" : "") + R"("luns": [{"lun": 1, "size": 16777216, )" +
           R"("designators": [{"type": "naa", "value": "6001405000000000000000000000000)" +
           std::to_string(n) + R"("}]}]})";
}

Fabric reboot_fabric() {
    const std::string one = R"("10.0.0.1:3260")";
    return parse_fabric_text(R"({"host": {"local_disks": 1}, "iscsi": {"targets": [)" +
                                 target(kept_iqn, one, 1) + ", " + target(detached_iqn, one, 2) +
                                 ", " + target(manual_iqn, one, 3) + ", " +
                                 target(autoscan_iqn, one, 4) + ", " +
                                 target(multipath_iqn, one + R"(, "10.0.0.2:3260")", 5) + ", " +
                                 target(iser_iqn, one, 6, true) + "]}}",
                             "reboot fabric");
}

nlohmann::json properties(const std::string& iqn) {
    return {{"target_portal", "10.0.0.1:3260"}, {"target_iqn", iqn}, {"target_lun", 1}};
}

std::vector<std::string> node(const std::string& iqn, const std::string& portal = "10.0.0.1:3260") {
    return {"iscsiadm", "-m", "node", "-T", iqn, "-p", portal};
}

std::vector<std::string> with(std::vector<std::string> argv,
                              std::initializer_list<std::string> more) {
    argv.insert(argv.end(), more);
    return argv;
}

std::optional<IscsiSession> session_to(const Model& model, const std::string& iqn) {
    for (const auto& [sid, session] : model.state().sessions) {
        if (session.iqn == iqn) {
            return session;
        }
    }
    return std::nullopt;
}

// The SCSI devices of a target's sessions.
std::size_t devices_of(const Model& model, const std::string& iqn) {
    std::size_t count = 0;
    for (const auto& [address, device] : model.state().devices) {
        const auto session =
            device.sid ? model.state().sessions.find(*device.sid) : model.state().sessions.end();
        if (session != model.state().sessions.end() && session->second.iqn == iqn) {
            ++count;
        }
    }
    return count;
}

}  // namespace

TEST_CASE(
    "a reboot: the records with node.startup automatic log in again at boot, scanned only "
    "when their scan is not manual, the kernel's state is gone and the synced data stays",
    "[reboot][sessions]") {
    SimHost host(reboot_fabric(), {.seed = 11});
    auto& model = host.model();
    auto connector = make_connector(Protocol::iscsi, host, {});
    // Attached through the library: node.startup automatic, scan manual.
    const auto kept = connector->connect(properties(kept_iqn));
    REQUIRE(kept.path == "/dev/sdb");
    REQUIRE(host.write_through(kept.path, 0, "synced at shutdown") == 0);
    // Attached and detached again: the record goes with the session.
    const auto detached = connector->connect(properties(detached_iqn));
    connector->disconnect(properties(detached_iqn), detached, {});
    // Records made by hand: one left manual (logged in), one automatic with
    // the default automatic scan (iscsid scans it after the login).
    REQUIRE(run(host, with(node(manual_iqn), {"--op", "new"})).exit_status == 0);
    REQUIRE(run(host, with(node(manual_iqn), {"--login"})).exit_status == 0);
    REQUIRE(run(host, with(node(autoscan_iqn), {"--op", "new"})).exit_status == 0);
    REQUIRE(run(host, with(node(autoscan_iqn),
                           {"--op", "update", "-n", "node.startup", "-v", "automatic"}))
                .exit_status == 0);
    REQUIRE(run(host, with(node(autoscan_iqn), {"--login"})).exit_status == 0);
    host.advance(Duration(2000));
    REQUIRE(devices_of(model, autoscan_iqn) == 1);
    REQUIRE(model.state().sessions.size() == 3);
    REQUIRE(host.lun_bytes(kept_iqn, 1, 0, 18) == std::string(18, '\0'));
    const auto kept_record = run(host, node(kept_iqn)).out;
    REQUIRE(kept_record.find("node.startup = automatic\n") != std::string::npos);
    REQUIRE(kept_record.find("node.session.scan = manual\n") != std::string::npos);

    const auto before = host.now_ms();
    REQUIRE(host.reboot(boot_budget));
    CHECK_FALSE(model.booting());
    // The init system started the daemons boot_ms (jittered) after the reboot.
    CHECK(host.now_ms() - before >= model.fabric().timing.boot_ms * 8 / 10);
    CHECK(model.state().iscsid_running);
    CHECK(model.state().multipathd_running);
    // The shutdown's sync wrote the cache back; nothing was lost.
    CHECK(host.lun_bytes(kept_iqn, 1, 0, 18) == "synced at shutdown");
    CHECK(model.lost_blocks(kept_iqn + std::string(":lun1")) == 0);
    // The node database is as it was: the detached volume's record is gone.
    CHECK(model.state().nodes.size() == 3);
    CHECK(run(host, node(detached_iqn)).exit_status == 21);
    CHECK(run(host, node(manual_iqn)).out.find("node.startup = manual\n") != std::string::npos);
    // Only the automatic records logged in, session numbers counting from 1 again.
    REQUIRE(model.state().sessions.size() == 2);
    const auto kept_session = session_to(model, kept_iqn);
    REQUIRE(kept_session);
    CHECK(kept_session->state == "LOGGED_IN");
    // In the order open-iscsi walks its records: autoscan before kept.
    CHECK(host.read_attribute("/sys/class/iscsi_session/session1/targetname") == autoscan_iqn);
    CHECK(host.read_attribute("/sys/class/iscsi_session/session2/targetname") == kept_iqn);
    CHECK(session_to(model, autoscan_iqn));
    CHECK_FALSE(session_to(model, detached_iqn));
    CHECK_FALSE(session_to(model, manual_iqn));
    // Manual scan: the kept volume's LUN has no device; iscsid scanned the other.
    CHECK(devices_of(model, kept_iqn) == 0);
    CHECK(devices_of(model, autoscan_iqn) == 1);
    // The local disk is back as sda; the autoscan target's disk took sdb
    // once sd probed it.
    host.advance(Duration(2000));
    CHECK(host.exists("/dev/sda"));
    CHECK(model.footprint(autoscan_iqn + std::string(":lun1")).disks ==
          std::vector<std::string>{"sdb"});
    CHECK(model.footprint(kept_iqn + std::string(":lun1")).disks.empty());

    // The disconnect after the boot, with the device gone, still removes
    // the session and its record.
    connector->disconnect(properties(kept_iqn), kept, {});
    CHECK_FALSE(session_to(model, kept_iqn));
    CHECK(run(host, node(kept_iqn)).exit_status == 21);
    // What is left is the hand-made records' own: the autoscan target's
    // session and disk, and both records.
    const auto left = model.leftovers();
    CHECK(left.size() == 4);
    for (const auto& thing : left) {
        INFO(thing);
        CHECK((thing.find(autoscan_iqn) != std::string::npos ||
               thing.find(manual_iqn) != std::string::npos || thing.rfind("SCSI device", 0) == 0));
    }
}

TEST_CASE(
    "a reboot under a multipath map: the map, its disks and links go, the wwids file stays, and a "
    "connect after the boot scans the boot's sessions and the map forms again",
    "[reboot][multipath]") {
    SimHost host(reboot_fabric(), {.seed = 12});
    auto& model = host.model();
    ConnectorOptions options;
    options.use_multipath = true;
    auto connector = make_connector(Protocol::iscsi, host, options);
    const nlohmann::json mp = {{"target_portals", {"10.0.0.1:3260", "10.0.0.2:3260"}},
                               {"target_iqns", {multipath_iqn, multipath_iqn}},
                               {"target_luns", {1, 1}}};
    const auto device = connector->connect(mp);
    REQUIRE(device.path == "/dev/dm-0");
    const auto wwid = *device.scsi_wwn;
    REQUIRE(host.write_through(device.path, 512, "through the map") == 0);
    REQUIRE(host.exists("/dev/mapper/" + wwid));

    REQUIRE(host.reboot(boot_budget));
    CHECK(model.state().maps.empty());
    CHECK_FALSE(host.exists("/dev/dm-0"));
    CHECK_FALSE(host.exists("/dev/mapper/" + wwid));
    CHECK_FALSE(host.exists("/dev/disk/by-id/dm-uuid-mpath-" + wwid));
    CHECK(host.glob("/dev/disk/by-path/*").empty());
    std::string wwids;
    REQUIRE(host.read_file("/etc/multipath/wwids", wwids).ok());
    CHECK(wwids.find("/" + wwid + "/") != std::string::npos);
    CHECK(host.lun_bytes(multipath_iqn, 1, 512, 15) == "through the map");
    // Both portals' records logged in, neither scanned.
    CHECK(model.state().sessions.size() == 2);
    CHECK(devices_of(model, multipath_iqn) == 0);

    const auto again = connector->connect(mp);
    CHECK(again.path == "/dev/dm-0");
    CHECK(again.scsi_wwn == wwid);
    CHECK(model.state().sessions.size() == 2);
    std::string back;
    REQUIRE(host.read_through(again.path, 512, 15, back) == 0);
    CHECK(back == "through the map");
    connector->disconnect(mp, again, {});
    CHECK(model.leftovers().empty());
}

TEST_CASE("a boot login whose portal does not answer leaves the record without a session",
          "[reboot][sessions]") {
    SimHost host(reboot_fabric(), {.seed = 13});
    auto& model = host.model();
    auto connector = make_connector(Protocol::iscsi, host, {});
    const auto device = connector->connect(properties(kept_iqn));
    host.inject({{"fault", "portal_unreachable"}, {"portal", "10.0.0.1:3260"}});
    const auto before = host.now_ms();
    REQUIRE(host.reboot(boot_budget));
    // The boot waited for the login to give up.
    CHECK(host.now_ms() - before >= model.fabric().timing.unreachable_ms);
    CHECK(model.state().sessions.empty());
    CHECK(model.state().nodes.size() == 1);
    host.model().clear_faults();
    connector->disconnect(properties(kept_iqn), device, {});
    CHECK(model.leftovers().empty());
}

TEST_CASE("a record on the iser iface logs in over iSER again at boot", "[reboot][iser]") {
    SimHost host(reboot_fabric(), {.seed = 14});
    auto& model = host.model();
    auto connector = make_connector(Protocol::iser, host, {});
    const auto device = connector->connect(properties(iser_iqn));
    REQUIRE(host.reboot(boot_budget));
    const auto session = session_to(model, iser_iqn);
    REQUIRE(session);
    CHECK(session->iface == "iser");
    CHECK(session->transport == "iser");
    CHECK(host.read_attribute("/sys/class/scsi_host/host" + std::to_string(session->scsi_host) +
                              "/proc_name") == "iscsi_iser");
    connector->disconnect(properties(iser_iqn), device, {});
    CHECK(model.leftovers().empty());
}
