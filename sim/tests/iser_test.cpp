// The iser iface (open-iscsi's built-in iface whose iface.transport_name is
// iser) and sessions over iSER: the node record, the fake iscsiadm's output,
// the kernel's SCSI host (iscsi_iser), a portal without iSER, and libbrick's
// iSER connector against them.
#include <catch2/catch.hpp>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

constexpr const char* iser_iqn = "iqn.2003-01.org.example:iser";
constexpr const char* tcp_iqn = "iqn.2003-01.org.example:tcp-only";

Fabric iser_fabric() {
    return parse_fabric_text(R"({"host": {"local_disks": 1}, "iscsi": {"targets": [
        {"iqn": "iqn.2003-01.org.example:iser", "portals": ["10.0.0.1:3260"], "iser": true,
         "luns": [{"lun": 1, "size": 16777216,
                   "designators": [{"type": "naa", "value": "60014050000000000000000000000011"}]}]},
        {"iqn": "iqn.2003-01.org.example:tcp-only", "portals": ["10.0.0.2:3260"],
         "luns": [{"lun": 1, "size": 16777216,
                   "designators": [{"type": "naa", "value": "60014050000000000000000000000012"}]}]}
    ]}})",
                             "iser fabric");
}

std::vector<std::string> node(const std::string& iqn, const std::string& portal,
                              std::initializer_list<std::string> more = {}) {
    std::vector<std::string> argv = {"iscsiadm", "-m", "node", "-T", iqn, "-p", portal};
    argv.insert(argv.end(), more);
    return argv;
}

bool has(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "a record made on the iser iface has transport iser and its session runs over iSER on an "
    "iscsi_iser SCSI host",
    "[iser][iscsiadm]") {
    SimHost host(iser_fabric(), {.seed = 21});
    const auto created =
        run(host, node(iser_iqn, "10.0.0.1:3260", {"--interface", "iser", "--op", "new"}));
    REQUIRE(created.exit_status == 0);
    CHECK(created.out == "New iSCSI node [iser:[hw=,ip=,net_if=,iscsi_if=iser] 10.0.0.1,3260,-1 " +
                             std::string(iser_iqn) + "] added\n");
    // The record file in the node database, as iscsiadm shows it.
    std::string record;
    REQUIRE(host.read_file("/etc/iscsi/nodes/" + std::string(iser_iqn) + "/10.0.0.1,3260", record)
                .ok());
    CHECK(has(record, "iface.iscsi_ifacename = iser\n"));
    CHECK(has(record, "iface.transport_name = iser\n"));
    CHECK(run(host, node(iser_iqn, "10.0.0.1:3260")).out == record);

    const auto login = run(host, node(iser_iqn, "10.0.0.1:3260", {"--login"}));
    REQUIRE(login.exit_status == 0);
    CHECK(has(login.out, "Login to [iface: iser, target: " + std::string(iser_iqn) +
                             ", portal: 10.0.0.1,3260] successful."));
    host.advance(Duration(1000));
    CHECK(run(host, {"iscsiadm", "-m", "session"}).out ==
          "iser: [1] 10.0.0.1:3260,1 " + std::string(iser_iqn) + " (non-flash)\n");
    const auto detail = run(host, {"iscsiadm", "-m", "session", "-P", "1"}).out;
    CHECK(has(detail, "Iface Name: iser\n"));
    CHECK(has(detail, "Iface Transport: iser\n"));
    CHECK(host.read_attribute("/sys/class/scsi_host/host2/proc_name") == "iscsi_iser");
    CHECK(host.read_attribute("/sys/class/iscsi_session/session1/ifacename") == "iser");
    CHECK(host.exists("/sys/class/iscsi_host/host2/initiatorname"));
    // iscsi_iser shows no ipaddress of its host.
    CHECK_FALSE(host.exists("/sys/class/iscsi_host/host2/ipaddress"));
}

TEST_CASE("a login over iSER to a portal without iSER fails as an unreachable portal does",
          "[iser][iscsiadm]") {
    SimHost host(iser_fabric(), {.seed = 22});
    REQUIRE(run(host, node(tcp_iqn, "10.0.0.2:3260", {"--interface", "iser", "--op", "new"}))
                .exit_status == 0);
    const auto login = run(host, node(tcp_iqn, "10.0.0.2:3260", {"--login"}));
    CHECK(login.exit_status == 8);
    CHECK(has(login.err, "initiator reported error (8 - connection timed out)"));
    CHECK(host.model().state().sessions.empty());
    // Over TCP the same portal answers.
    REQUIRE(run(host, node(tcp_iqn, "10.0.0.2:3260", {"--op", "delete"})).exit_status == 0);
    const auto created = run(host, node(tcp_iqn, "10.0.0.2:3260", {"--op", "new"}));
    CHECK(has(created.out, "New iSCSI node [tcp:[hw=,ip=,net_if=,iscsi_if=default]"));
    CHECK(has(run(host, node(tcp_iqn, "10.0.0.2:3260")).out, "iface.transport_name = tcp\n"));
    CHECK(run(host, node(tcp_iqn, "10.0.0.2:3260", {"--login"})).exit_status == 0);
    CHECK(host.read_attribute("/sys/class/scsi_host/host2/proc_name") == "iscsi_tcp");
}

TEST_CASE(
    "the iSER connector attaches over iser (record on the iser iface, node.startup automatic) "
    "and its detach leaves nothing",
    "[iser][connector]") {
    SimHost host(iser_fabric(), {.seed = 23});
    auto connector = make_connector(Protocol::iser, host, {});
    const nlohmann::json properties = {
        {"target_portal", "10.0.0.1:3260"}, {"target_iqn", iser_iqn}, {"target_lun", 1}};
    const auto device = connector->connect(properties);
    CHECK(device.path == "/dev/sdb");
    CHECK(device.scsi_wwn == "360014050000000000000000000000011");
    const auto& state = host.model().state();
    REQUIRE(state.nodes.size() == 1);
    CHECK(state.nodes.front().iface == "iser");
    CHECK(state.nodes.front().value("iface.transport_name") == "iser");
    CHECK(state.nodes.front().value("node.startup") == "automatic");
    REQUIRE(state.sessions.size() == 1);
    CHECK(state.sessions.begin()->second.transport == "iser");
    // udev names the disk as for any iSCSI session.
    host.advance(Duration(2000));
    CHECK(host.exists("/dev/disk/by-path/ip-10.0.0.1:3260-iscsi-" + std::string(iser_iqn) +
                      "-lun-1"));
    REQUIRE(host.write_through(device.path, 0, "over rdma") == 0);
    connector->disconnect(properties, device, {});
    CHECK(host.model().leftovers().empty());
    CHECK(host.lun_bytes(iser_iqn, 1, 0, 9) == "over rdma");

    // transport "iser" in the properties of the iSCSI connector picks the same iface.
    auto iscsi = make_connector(Protocol::iscsi, host, {});
    auto with_transport = properties;
    with_transport["transport"] = "iser";
    const auto again = iscsi->connect(with_transport);
    CHECK(host.model().state().sessions.begin()->second.transport == "iser");
    iscsi->disconnect(with_transport, again, {});
    CHECK(host.model().leftovers().empty());

    // A target without iSER: the connect fails as unreachable and takes its record back.
    const nlohmann::json tcp_only = {
        {"target_portal", "10.0.0.2:3260"}, {"target_iqn", tcp_iqn}, {"target_lun", 1}};
    try {
        connector->connect(tcp_only);
        FAIL("the connect over iSER to a TCP-only portal succeeded");
    } catch (const Error& e) {
        CHECK(e.category() == ErrorCategory::target_unreachable);
    }
    CHECK(host.model().leftovers().empty());
}
