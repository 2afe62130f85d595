// The fake iscsiadm, lsscsi, scsi_id, multipath and multipathd against the
// golden outputs of the real tools (hil/golden, captured in guests with
// open-iscsi 2.1.8, lsscsi 0.32, systemd 252 and multipath-tools 0.9.4 on
// 6.1; recipes in hil/jobs/lio/job.sh and hil/jobs/tgt/job.sh). Each test
// builds the model in the state the golden was captured in (the guest's
// initiator name and address, the targets' IQNs, portals, LUNs, sizes,
// vendors, serials and designators) with the steps the job took, and compares
// after replacing only the values each run chooses anew (golden_compare.hpp).
#include <algorithm>
#include <catch2/catch.hpp>

#include "golden_compare.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

constexpr const char* lio_single = "iqn.2026-01.org.brickworks:lio-single";
constexpr const char* lio_chap = "iqn.2026-01.org.brickworks:lio-chap";
constexpr const char* lio_mpath = "iqn.2026-01.org.brickworks:lio-mpath";
constexpr const char* tgt_single = "iqn.2026-01.org.brickworks:tgt-single";
constexpr const char* lio_wwid = "360014056b72696b00004000800000000";
constexpr const char* portal_1 = "127.0.0.1:3260";
constexpr const char* portal_2 = "127.0.0.1:3261";
constexpr const char* lio_tpgs = "iqn.2026-01.org.brickworks:lio-tpgs";
constexpr const char* portal_3 = "127.0.0.2:3260";

// A LIO fileio backstore (hil/jobs/lio/job.sh, configure_lio): LIO-ORG, the
// backstore's name as model, revision 4.0, the wwn as unit serial and the NAA
// LIO derives from it (the first 25 hex digits after 6001405).
nlohmann::json lio_lun(unsigned lun, const std::string& name, unsigned megabytes,
                       const std::string& serial) {
    return {{"lun", lun},
            {"size", static_cast<std::uint64_t>(megabytes) << 20U},
            {"volume", name},
            {"vendor", "LIO-ORG"},
            {"model", name},
            {"revision", "4.0"},
            {"serial", serial},
            {"designators", {{{"type", "naa"}, {"value", std::string(lio_wwid).substr(1)}}}}};
}

// The guest (hil/image/stage2): its initiator name, everything on 127.0.0.1.
// Its first SCSI host is 0, which the simulated host keeps for local disks;
// host numbers are among the normalised values.
nlohmann::json guest_host() {
    return {{"initiator_name", "iqn.2026-01.org.brickworks:hil-guest"},
            {"ip_address", "127.0.0.1"},
            {"local_disks", 0}};
}

// The LIO guest's targets: lio-single (LUN 0 and 256), lio-chap (CHAP and
// mutual CHAP), lio-mpath (two portal groups, tpgt_1 on :3260 and tpgt_2 on
// :3261).
Fabric lio_guest() {
    const nlohmann::json document = {
        {"host", guest_host()},
        {"iscsi",
         {{"targets",
           {{{"iqn", lio_single},
             {"portals", {portal_1}},
             {"luns",
              {lio_lun(0, "single", 64, "6b72696b-0000-4000-8000-000000000001"),
               lio_lun(256, "high", 16, "6b72696b-0000-4000-8000-000000000004")}}},
            {{"iqn", lio_chap},
             {"portals", {portal_1}},
             {"chap", {{"username", "brick-user"}, {"password", "brick-secret-1"}}},
             {"mutual_chap", {{"username", "brick-target"}, {"password", "brick-secret-2"}}},
             {"luns", {lio_lun(0, "chap", 64, "6b72696b-0000-4000-8000-000000000002")}}},
            {{"iqn", lio_mpath},
             {"portal_groups",
              {{{"tag", 1}, {"portals", {portal_1}}}, {{"tag", 2}, {"portals", {portal_2}}}}},
             {"luns", {lio_lun(0, "mpath", 64, "6b72696b-0000-4000-8000-000000000003")}}}}}}}};
    return parse_fabric(document);
}

// The LIO guest's target with two portal groups (hil/jobs/lio/job.sh,
// two_portal_groups): tpgt_1 on 127.0.0.1:3260, tpgt_2 on 127.0.0.2:3260, the
// same 16 MiB backstore at LUN 0 of both.
Fabric lio_two_portal_groups() {
    const nlohmann::json document = {
        {"host", guest_host()},
        {"iscsi",
         {{"targets",
           {{{"iqn", lio_tpgs},
             {"portal_groups",
              {{{"tag", 1}, {"portals", {portal_1}}}, {{"tag", 2}, {"portals", {portal_3}}}}},
             {"luns", {lio_lun(0, "tpgs", 16, "6b72696b-0000-4000-8000-000000000005")}}}}}}}};
    return parse_fabric(document);
}

// The tgt guest (hil/jobs/tgt/job.sh): one 64 MiB LUN 1 as tgtd presents it.
Fabric tgt_guest() {
    const nlohmann::json document = {
        {"host", guest_host()},
        {"iscsi",
         {{"targets",
           {{{"iqn", tgt_single},
             {"portals", {portal_1}},
             {"luns",
              {{{"lun", 1U},
                {"size", 64U << 20U},
                {"volume", "disk1"},
                {"vendor", "IET"},
                {"model", "VIRTUAL-DISK"},
                {"revision", "0001"},
                {"serial", "brick0001"},
                {"designators",
                 {{{"type", "naa"}, {"value", "60000000000000000b00c000000d0001"}}}}}}}}}}}}};
    return parse_fabric(document);
}

// hil/guest/iscsi.sh node_new: a record with manual scan and extra settings.
void node_new(SimHost& host, const std::string& iqn, const std::string& portal,
              const std::vector<std::pair<std::string, std::string>>& settings = {}) {
    REQUIRE(
        run(host, {"iscsiadm", "-m", "node", "-T", iqn, "-p", portal, "-o", "new"}).exit_status ==
        0);
    auto all = settings;
    all.insert(all.begin(), {"node.session.scan", "manual"});
    for (const auto& [name, value] : all) {
        REQUIRE(run(host, {"iscsiadm", "-m", "node", "-T", iqn, "-p", portal, "-o", "update", "-n",
                           name, "-v", value})
                    .exit_status == 0);
    }
}

// hil/guest/iscsi.sh attach: login, a targeted scan of one LUN, the disk.
void attach(SimHost& host, const std::string& iqn, const std::string& portal, unsigned lun) {
    auto login = run(host, {"iscsiadm", "-m", "node", "-T", iqn, "-p", portal, "--login"});
    REQUIRE(login.exit_status == 0);
    const auto parsed = parse_portal(portal);
    REQUIRE(parsed);
    std::optional<unsigned> scsi_host;
    for (const auto& [sid, session] : host.model().state().sessions) {
        if (session.iqn == iqn && session.portal == *parsed) {
            scsi_host = session.scsi_host;
        }
    }
    REQUIRE(scsi_host);
    REQUIRE(host.write_file("/sys/class/scsi_host/host" + std::to_string(*scsi_host) + "/scan",
                            "0 0 " + std::to_string(lun), Duration(1000))
                .ok());
    host.advance(Duration(2000));
}

// Runs the golden's command line on the simulated host and compares stdout,
// stderr and the exit status after normalising the run-chosen values.
void check_golden(SimHost& host, const std::string& tool, const std::string& state) {
    INFO("hil/golden/" << tool << "/" << state);
    const auto golden = golden_run(tool, state);
    const auto fake = run(host, golden.argv);
    CHECK(normalise_run_values(fake.out) == normalise_run_values(golden.out));
    CHECK(fake.err == golden.err);
    CHECK(fake.exit_status == golden.exit_status);
}

// The golden output of a guest-side listing (hil/guest/lib.sh) against the
// same listing made from the simulated host, after normalising.
void check_golden_listing(const std::string& tool, const std::string& state,
                          const std::string& listing) {
    INFO("hil/golden/" << tool << "/" << state);
    const auto golden = golden_run(tool, state);
    CHECK(normalise_run_values(listing) == normalise_run_values(golden.out));
    CHECK(golden.exit_status == 0);
}

// disk_links DIR (hil/guest/lib.sh): "name -> target" per link, sorted.
std::string disk_links(SimHost& host, const std::string& dir) {
    std::vector<std::string> names;
    REQUIRE(host.list_dir(dir, names).ok());
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& name : names) {
        std::string target;
        REQUIRE(host.read_link(std::string(dir).append("/").append(name), target).ok());
        out.append(name).append(" -> ").append(target).append("\n");
    }
    return out;
}

// session_portal_groups (hil/guest/lib.sh): "ADDRESS:PORT,TPGT IQN" per
// session from sysfs, sorted.
std::string session_portal_groups(SimHost& host) {
    auto value = [&](const std::string& path) {
        std::string text;
        REQUIRE(host.read_file(path, text).ok());
        return text.substr(0, text.find('\n'));
    };
    std::vector<std::string> lines;
    for (const auto& session : host.glob("/sys/class/iscsi_session/session*")) {
        const auto connections =
            host.glob(session + "/device/connection*/iscsi_connection/connection*");
        REQUIRE(connections.size() == 1);
        lines.push_back(value(connections.front() + "/persistent_address") + ":" +
                        value(connections.front() + "/persistent_port") + "," +
                        value(session + "/tpgt") + " " + value(session + "/targetname"));
    }
    std::sort(lines.begin(), lines.end());
    std::string out;
    for (const auto& line : lines) {
        out += line + "\n";
    }
    return out;
}

// For multipathd's tables: the fields compared after normalising and laying
// the table out again (the next_check column's width changes with the
// checker's interval), and each output checked to follow the layout itself.
void check_golden_table(SimHost& host, const std::string& tool, const std::string& state,
                        const std::map<std::string, std::string>& aliases) {
    INFO("hil/golden/" << tool << "/" << state);
    const auto golden = golden_run(tool, state);
    const auto fake = run(host, golden.argv);
    CHECK(realign_columns(fake.out) == fake.out);
    CHECK(realign_columns(golden.out) == golden.out);
    CHECK(realign_columns(normalise_run_values(fake.out)) ==
          realign_columns(normalise_run_values(without_friendly_names(golden.out, aliases))));
    CHECK(fake.exit_status == golden.exit_status);
}

}  // namespace

TEST_CASE("iscsiadm sessions and nodes match the golden outputs: LIO, one LUN",
          "[iscsiadm][tools][golden]") {
    SimHost host(lio_guest());
    check_golden(host, "iscsiadm", "session-none");
    check_golden(host, "iscsiadm", "node-none");
    node_new(host, lio_single, portal_1);
    attach(host, lio_single, portal_1, 0);
    check_golden(host, "iscsiadm", "session-one");
    check_golden(host, "iscsiadm", "session-one-P3");
    check_golden(host, "iscsiadm", "node-one");
    check_golden(host, "iscsiadm", "node-one-record");
    check_golden(host, "lsscsi", "one-lun");
    check_golden(host, "lsscsi", "one-lun-transport");
    check_golden(host, "scsi_id", "lio-page83");
    check_golden(host, "scsi_id", "lio-page80");
}

TEST_CASE("iscsiadm, lsscsi, sysfs and udev match the golden outputs: two portal groups",
          "[iscsiadm][tools][golden]") {
    SimHost host(lio_two_portal_groups());
    check_golden(host, "iscsiadm", "discovery-st-two-tpgs");
    check_golden(host, "iscsiadm", "node-two-tpgs");
    // One portal after the other, as the job logs in; the discovered records
    // scan automatically.
    for (const auto* portal : {portal_1, portal_3}) {
        REQUIRE(run(host, {"iscsiadm", "-m", "node", "-T", lio_tpgs, "-p", portal, "--login"})
                    .exit_status == 0);
    }
    host.advance(Duration(3000));
    check_golden(host, "iscsiadm", "session-two-tpgs");
    check_golden(host, "iscsiadm", "session-two-tpgs-P3");
    check_golden(host, "lsscsi", "two-tpgs-transport");
    check_golden_listing("disk-links", "by-path-two-tpgs", disk_links(host, "/dev/disk/by-path"));
    check_golden_listing("sysfs", "session-portal-groups-two-tpgs", session_portal_groups(host));
    REQUIRE(run(host, {"iscsiadm", "-m", "node", "-T", lio_tpgs, "--logout"}).exit_status == 0);
    REQUIRE(run(host, {"iscsiadm", "-m", "node", "-T", lio_tpgs, "-o", "delete"}).exit_status == 0);
    check_golden(host, "iscsiadm", "node-none");
    check_golden(host, "iscsiadm", "session-none");
}

TEST_CASE("iscsiadm discovery and node list match the golden outputs: LIO, three targets",
          "[iscsiadm][tools][golden]") {
    // hil/jobs/lio/job.sh discovery: lio-mpath has two portal groups. The
    // discovery lists the targets as LIO answers (lio-single first); the node
    // list walks the records by target name, then portal.
    SimHost host(lio_guest());
    check_golden(host, "iscsiadm", "discovery-st");
    check_golden(host, "iscsiadm", "node-after-discovery");
    REQUIRE(run(host, {"iscsiadm", "-m", "discoverydb", "-t", "st", "-p", portal_1, "-o", "delete"})
                .exit_status == 0);
    check_golden(host, "iscsiadm", "node-none");
    check_golden(host, "iscsiadm", "session-none");
}

TEST_CASE("iscsiadm sessions match the golden outputs: tgt, one LUN, then the target gone",
          "[iscsiadm][tools][golden]") {
    SimHost host(tgt_guest());
    // configure_tgt: a discovery, then its record deleted with the nodes it made.
    check_golden(host, "iscsiadm", "discovery-st-tgt");
    REQUIRE(run(host, {"iscsiadm", "-m", "discoverydb", "-t", "st", "-p", portal_1, "-o", "delete"})
                .exit_status == 0);
    check_golden(host, "iscsiadm", "node-none");
    node_new(host, tgt_single, portal_1);
    attach(host, tgt_single, portal_1, 1);
    check_golden(host, "iscsiadm", "session-one-tgt");
    check_golden(host, "iscsiadm", "session-one-tgt-P3");
    check_golden(host, "lsscsi", "one-lun-tgt");
    check_golden(host, "scsi_id", "tgt-page83");
    // hil/jobs/tgt/job.sh target_gone: the target is removed under the session.
    host.inject({{"fault", "session_drop"}, {"iqn", tgt_single}});
    check_golden(host, "iscsiadm", "session-target-gone-P1");
}

TEST_CASE("iscsiadm session matches the golden output: a target on another host",
          "[iscsiadm][tools][golden]") {
    // hil/jobs/host-tgt: the guest logs in to tgtd on the host at 10.0.2.100.
    auto document = nlohmann::json::parse(R"({"iscsi": {"targets": [{
        "iqn": "iqn.2026-01.org.brickworks:host-tgt", "portals": ["10.0.2.100:3260"],
        "luns": [{"lun": 1, "size": 67108864, "vendor": "IET", "model": "VIRTUAL-DISK"}]}]}})");
    document["host"] = guest_host();
    SimHost host(parse_fabric(document));
    node_new(host, "iqn.2026-01.org.brickworks:host-tgt", "10.0.2.100:3260");
    attach(host, "iqn.2026-01.org.brickworks:host-tgt", "10.0.2.100:3260", 1);
    check_golden(host, "iscsiadm", "session-host-tgt");
}

TEST_CASE("iscsiadm with CHAP matches the golden outputs: a refused and a mutual login",
          "[iscsiadm][tools][golden]") {
    SimHost host(lio_guest());
    node_new(host, lio_chap, portal_1,
             {{"node.session.auth.authmethod", "CHAP"},
              {"node.session.auth.username", "brick-user"},
              {"node.session.auth.password", "wrong-secret-9"}});
    check_golden(host, "iscsiadm", "login-auth-failure");
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"node.session.auth.password", "brick-secret-1"},
             {"node.session.auth.username_in", "brick-target"},
             {"node.session.auth.password_in", "brick-secret-2"}}) {
        REQUIRE(run(host, {"iscsiadm", "-m", "node", "-T", lio_chap, "-p", portal_1, "-o", "update",
                           "-n", name, "-v", value})
                    .exit_status == 0);
    }
    attach(host, lio_chap, portal_1, 0);
    check_golden(host, "iscsiadm", "session-chap-P2");
}

TEST_CASE("lsscsi matches the golden outputs: LUN 0 and 256, none, a LUN unmapped",
          "[lsscsi][tools][golden]") {
    SimHost host(lio_guest());
    check_golden(host, "lsscsi", "none");
    // hil/jobs/lio/job.sh lun_256: LUN 256 first, then LUN 0 on the same session.
    node_new(host, lio_single, portal_1);
    attach(host, lio_single, portal_1, 256);
    const auto sessions = host.model().state().sessions;
    REQUIRE(sessions.size() == 1);
    REQUIRE(host.write_file("/sys/class/scsi_host/host" +
                                std::to_string(sessions.begin()->second.scsi_host) + "/scan",
                            "0 0 0", Duration(1000))
                .ok());
    host.advance(Duration(2000));
    check_golden(host, "lsscsi", "lun-0-and-256");
    // lun_unmapped: the target drops LUN 256's neighbour; the device stays listed.
    SimHost unmapped(lio_guest());
    node_new(unmapped, lio_single, portal_1);
    attach(unmapped, lio_single, portal_1, 0);
    unmapped.inject({{"fault", "lun_removed"}, {"iqn", lio_single}, {"lun", 0}});
    unmapped.advance(Duration(100));
    check_golden(unmapped, "lsscsi", "lun-unmapped");
}

TEST_CASE("multipath -ll and multipathd show match the golden outputs: two paths, one failed",
          "[multipath][tools][golden]") {
    SimHost host(lio_guest());
    const std::map<std::string, std::string> aliases = {{"mpatha", lio_wwid}};
    check_golden_table(host, "multipathd", "show-maps-none", aliases);
    // multipath-tools' hardware table gives LIO-ORG no_path_retry 12: the map
    // queues when no path is left.
    host.inject({{"fault", "map_queue_if_no_path"}});
    REQUIRE(run(host, {"multipath", "-a", lio_wwid}).exit_status == 0);
    node_new(host, lio_mpath, portal_1, {{"node.session.timeo.replacement_timeout", "5"}});
    node_new(host, lio_mpath, portal_2, {{"node.session.timeo.replacement_timeout", "5"}});
    attach(host, lio_mpath, portal_1, 0);
    attach(host, lio_mpath, portal_2, 0);
    host.advance(Duration(3000));
    REQUIRE(host.model().state().maps.size() == 1);
    {
        const auto golden = golden_run("multipath", "ll-two-active");
        CHECK(normalise_run_values(run(host, golden.argv).out) ==
              normalise_run_values(without_friendly_names(golden.out, aliases)));
    }
    check_golden_table(host, "multipathd", "show-maps-two-active", aliases);
    check_golden_table(host, "multipathd", "show-paths-two-active", aliases);
    check_golden(host, "lsscsi", "two-paths");
    check_golden(host, "iscsiadm", "session-two-portals");
    // The second portal's target portal group disabled: its session fails and
    // iscsid's logins to it are refused. The job waits until multipathd sees
    // one path ready, which it does once the session's replacement_timeout
    // (5 s) made it FREE and its disk transport-offline (in a run of the job
    // the kernel rejected I/O to it 5.3 s after the disable): the session is
    // FREE, iscsid still reopening it. Its connection is TRANSPORT WAIT
    // between two refused logins, as captured (IN LOGIN during one).
    host.inject({{"fault", "session_drop"}, {"portal", portal_2}});
    host.advance(Duration(6000));
    {
        const auto golden = golden_run("multipath", "ll-one-failed");
        CHECK(normalise_run_values(run(host, golden.argv).out) ==
              normalise_run_values(without_friendly_names(golden.out, aliases)));
    }
    check_golden_table(host, "multipathd", "show-paths-one-failed", aliases);
    check_golden(host, "iscsiadm", "session-one-failed-P1");
}
