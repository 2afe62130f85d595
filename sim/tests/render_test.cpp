// The incremental renderer (TreeRenderer) against a full render, after every
// change of the model: same nodes, same contents, same directory listings.
#include "sim/vfs/render.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "sim/faults/faults.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

void require_same(const Tree& incremental, const Tree& full) {
    std::vector<std::string> have;
    std::vector<std::string> want;
    for (const auto& [path, node] : incremental.nodes()) {
        have.push_back(path);
    }
    for (const auto& [path, node] : full.nodes()) {
        want.push_back(path);
    }
    std::vector<std::string> extra;
    std::vector<std::string> missing;
    std::set_difference(have.begin(), have.end(), want.begin(), want.end(),
                        std::back_inserter(extra));
    std::set_difference(want.begin(), want.end(), have.begin(), have.end(),
                        std::back_inserter(missing));
    INFO("only in the incremental tree: " << Catch::Detail::stringify(extra));
    INFO("only in the full render: " << Catch::Detail::stringify(missing));
    REQUIRE(have == want);
    for (const auto& [path, a] : incremental.nodes()) {
        const auto& b = full.nodes().at(path);
        INFO(path);
        CHECK(a.type == b.type);
        CHECK(a.content == b.content);
        CHECK(a.apparent_size == b.apparent_size);
        CHECK(a.link == b.link);
        CHECK(a.major == b.major);
        CHECK(a.minor == b.minor);
        CHECK(a.readable == b.readable);
        CHECK(a.write == b.write);
        CHECK(a.scsi_host == b.scsi_host);
        CHECK(a.address == b.address);
        CHECK(incremental.children(path) == full.children(path));
    }
}

// Brings the model to time t and checks the trees.
void step(Model& model, TreeRenderer& renderer, std::int64_t t) {
    model.advance_to(t);
    require_same(renderer.update(model), render(model));
}

}  // namespace

TEST_CASE("the incremental tree equals a full render through an iSCSI multipath life", "[render]") {
    Model model(fabric("two_portals.json"), 7);
    TreeRenderer renderer;
    std::int64_t t = 0;
    step(model, renderer, t);
    const auto& target = model.fabric().iscsi_targets.front();
    std::vector<unsigned> sids;
    for (const auto& portal : target.portals) {
        auto& node = model.add_node(target.iqn, portal, target.tpgt, "default", "static");
        node.settings["node.session.scan"] = "manual";
        step(model, renderer, t += 5);
        const auto login = model.login(node);
        REQUIRE(login.status == LoginStatus::ok);
        sids.push_back(login.sid);
        // FREE until the login completes.
        step(model, renderer, t += login.duration_ms);
    }
    for (const auto sid : sids) {
        const auto host = model.state().sessions.at(sid).scsi_host;
        auto effect = model.scan(host, 0, 0, 1);
        REQUIRE(effect.apply);
        effect.apply();
        step(model, renderer, t += 1);
    }
    // Disks, udev links.
    step(model, renderer, t += 2000);
    std::vector<std::string> disks;
    for (const auto& [address, device] : model.state().devices) {
        if (device.sid) {
            disks.push_back(device.disk_name());
        }
    }
    REQUIRE(disks.size() == 2);
    REQUIRE(model.add_wwid(model.scsi_id_of(*model.device_by_disk(disks[0]))));
    for (const auto& disk : disks) {
        REQUIRE(model.add_path(disk));
    }
    // The map with both paths, its holders links in both disks.
    step(model, renderer, t += 2000);
    REQUIRE(model.state().maps.size() == 1);
    REQUIRE(model.state().maps.begin()->second.paths.size() == 2);
    REQUIRE(model.del_path(disks[1]));
    step(model, renderer, t += 1);
    REQUIRE(model.flush_map(model.state().maps.begin()->second.name) == 0);
    step(model, renderer, t += 1);
    std::vector<ScsiAddress> addresses;
    for (const auto& [address, device] : model.state().devices) {
        if (device.sid) {
            addresses.push_back(address);
        }
    }
    for (const auto& address : addresses) {
        auto effect = model.delete_device(address);
        REQUIRE(effect.error == 0);
        effect.apply();
        step(model, renderer, t += 1);
    }
    for (const auto sid : sids) {
        model.logout(sid);
        step(model, renderer, t += 1);
    }
    for (const auto& portal : target.portals) {
        model.delete_node(*model.find_nodes(target.iqn, portal, std::nullopt).front());
        step(model, renderer, t += 1);
    }
    CHECK(model.leftovers().empty());
}

TEST_CASE("the incremental tree equals a full render with attached targets and NVMe-oF",
          "[render]") {
    auto document = nlohmann::json::parse(R"({
        "host": {"local_disks": 1},
        "iscsi": {"targets": [
            {"iqn": "iqn.2026-01.org.brickworks:a", "portals": ["10.0.0.1:3260"], "attached": true,
             "luns": [{"lun": 1, "size": 1048576, "designators": [{"type": "naa", "value": "60014050000000000000000000000a01"}]},
                      {"lun": 2, "size": 1048576, "designators": [{"type": "naa", "value": "60014050000000000000000000000a02"}]}]},
            {"iqn": "iqn.2026-01.org.brickworks:b", "portals": ["10.0.0.1:3260"], "attached": true,
             "luns": [{"lun": 1, "size": 1048576, "designators": [{"type": "naa", "value": "60014050000000000000000000000b01"}]}]}]},
        "nvme": {"subsystems": [{"nqn": "nqn.2026-01.org.brickworks:n", "serial": "s1",
            "ports": [{"id": 1, "transport": "tcp", "address": "127.0.0.1", "service_id": 4420}],
            "namespaces": [{"nsid": 1, "size": 1048576, "uuid": "6b72696b-0000-4000-8000-0000000000f1"}]}]}
    })");
    Model model(parse_fabric(document), 3);
    TreeRenderer renderer;
    std::int64_t t = 0;
    step(model, renderer, t);
    CHECK(model.state().sessions.size() == 2);
    CHECK(model.leftovers().empty());
    auto connect = model.nvme_connect(
        "transport=tcp,traddr=127.0.0.1,trsvcid=4420,nqn=nqn.2026-01.org.brickworks:n");
    REQUIRE(connect.error == 0);
    connect.apply();
    step(model, renderer, t += 1000);
    REQUIRE(!model.nvme_disks().empty());
    // An attached volume's disk goes; then its session.
    auto effect = model.delete_device(ScsiAddress{3, 0, 0, 1});
    REQUIRE(effect.error == 0);
    effect.apply();
    step(model, renderer, t += 1);
    model.logout(model.state().sessions.rbegin()->first);
    step(model, renderer, t += 1);
    for (const auto& [instance, controller] : model.state().nvme.controllers) {
        auto remove = model.nvme_delete_controller(instance);
        REQUIRE(remove.error == 0);
        remove.apply();
        break;
    }
    step(model, renderer, t + 1000);
}

TEST_CASE("the incremental tree equals a full render with NFS mounts, LVM and dm-crypt",
          "[render]") {
    Model model(fabric("storage.json"), 5);
    TreeRenderer renderer;
    std::int64_t t = 0;
    step(model, renderer, t);
    REQUIRE_FALSE(model.state().storage.logical_volumes.empty());
    const auto lv = model.state().storage.logical_volumes.front().device();
    // A mount point made by the host (its store), then the share mounted there.
    model.mutable_state().dirs.emplace_back("/mnt/share");
    model.touch();
    step(model, renderer, t += 1);
    std::string err;
    unsigned ms = 0;
    REQUIRE(model.nfs_mount("127.0.0.1:/srv/nfs", "/mnt/share", "vers=4.1", err, ms) == 0);
    step(model, renderer, t += 1);
    CHECK(renderer.tree().find("/mnt/share/volume-1") != nullptr);
    REQUIRE(model.luks_format(lv, 2, "passphrase") == 0);
    step(model, renderer, t += 1);
    REQUIRE(model.luks_open(lv, "crypt-l1", "passphrase", false) == 0);
    step(model, renderer, t += 1);
    // The mapping's holder link lives in the directory of the device under it.
    const auto crypt = model.crypt_mapping("crypt-l1")->device();
    CHECK(renderer.tree().find("/sys/devices/virtual/block/" + lv + "/holders/" + crypt) !=
          nullptr);
    REQUIRE(model.luks_close("crypt-l1") == 0);
    step(model, renderer, t += 1);
    REQUIRE(model.nfs_umount("/mnt/share", err) == 0);
    step(model, renderer, t + 1);
    CHECK(renderer.tree().find("/mnt/share/volume-1") == nullptr);
}

TEST_CASE("the incremental tree equals a full render through FC scans, maps, link loss and faults",
          "[render][fc]") {
    // Two FC HBA ports (SCSI hosts 2 and 3) and an iSCSI target attached at
    // start, so FC and iSCSI hosts, devices and links live side by side.
    std::ifstream in(std::string(BRICK_SIM_FABRICS_DIR) + "/fc_two_hbas.json");
    auto document = nlohmann::json::parse(in);
    document["iscsi"] = nlohmann::json::parse(R"({"targets": [
        {"iqn": "iqn.2026-01.org.brickworks:a", "portals": ["10.0.0.1:3260"], "attached": true,
         "luns": [{"lun": 1, "size": 1048576,
                   "designators": [{"type": "naa", "value": "60014050000000000000000000000a01"}]}]}]})");
    Model model(parse_fabric(document), 11);
    TreeRenderer renderer;
    std::int64_t t = 0;
    step(model, renderer, t);
    REQUIRE(model.state().fc_hosts.size() == 2);
    REQUIRE(renderer.tree().find("/sys/class/fc_remote_ports/rport-3:0-1") != nullptr);

    // A targeted scan on one HBA port, a wildcard scan on the other.
    auto targeted = model.scan(2, 0, 0, 1);
    REQUIRE(targeted.error == 0);
    targeted.apply();
    step(model, renderer, t += 1);
    auto wildcard = model.scan(3, std::nullopt, std::nullopt, 1);
    REQUIRE(wildcard.error == 0);
    wildcard.apply();
    step(model, renderer, t += 1);
    CHECK(renderer.tree().find("/sys/class/fc_transport/target3:0:1") != nullptr);
    // The disks, their FC by-path links, then the map over the three paths.
    step(model, renderer, t += 2000);
    std::vector<std::string> disks;
    for (const auto& [address, device] : model.state().devices) {
        if (!device.fc_port.empty() && device.disk_visible) {
            disks.push_back(device.disk_name());
        }
    }
    REQUIRE(disks.size() == 3);
    REQUIRE(model.add_wwid(model.scsi_id_of(*model.device_by_disk(disks[0]))));
    for (const auto& disk : disks) {
        REQUIRE(model.add_path(disk));
    }
    step(model, renderer, t += 2000);
    REQUIRE(model.state().maps.size() == 1);

    // A device that cannot be opened yet, then a link down on the first
    // port: blocked remote ports and devices, then dev_loss_tmo removes them.
    model.inject(parse_fault({{"fault", "device_not_openable"}, {"path", "/dev/" + disks[0]}}));
    step(model, renderer, t += 1);
    model.inject(
        parse_fault({{"fault", "fc_link_down"}, {"hba", "10000090fa0d6f91"}, {"max_fires", 1}}));
    model.begin_step();  // action faults fire as the next host operation begins
    step(model, renderer, t += 10);
    CHECK(model.state().fc_hosts.at(2).port_state == "Linkdown");
    step(model, renderer, t += 31000);
    for (const auto& rport : model.state().fc_rports) {
        CHECK(rport.port_state == (rport.scsi_host == 2 ? "Not Present" : "Online"));
    }
    // The link comes back: remote ports log in again, no LUN without a scan.
    CHECK(model.fc_set_link("10000090fa0d6f91", true) == 1);
    step(model, renderer, t += 1000);

    // The LUN remapped behind the target: a rescan shows the new identity.
    model.inject(parse_fault(
        {{"fault", "lun_remapped"},
         {"wwnn", "500a098089a0b001"},
         {"lun", 1},
         {"to",
          {{"volume", "intruder"},
           {"size", 4096},
           {"designators", {{{"type", "naa"}, {"value", "600a0980ffffffffffffffffffffffff"}}}}}},
         {"max_fires", 1}}));
    model.begin_step();
    step(model, renderer, t += 10);
    std::vector<ScsiAddress> remote;
    for (const auto& [address, device] : model.state().devices) {
        if (!device.fc_port.empty()) {
            remote.push_back(address);
        }
    }
    REQUIRE_FALSE(remote.empty());
    auto rescan = model.rescan_device(remote.front());
    REQUIRE(rescan.error == 0);
    rescan.apply();
    step(model, renderer, t += 1);

    // The map and every FC device go; the targets behind the ports with them.
    REQUIRE(model.flush_map(model.state().maps.begin()->second.name) == 0);
    step(model, renderer, t += 1);
    for (const auto& address : remote) {
        auto effect = model.delete_device(address);
        REQUIRE(effect.error == 0);
        effect.apply();
        step(model, renderer, t += 1);
    }
    CHECK(renderer.tree().children("/sys/class/fc_transport").empty());
    // A link loss that recovers before dev_loss_tmo on the second port.
    model.inject(parse_fault({{"fault", "fc_link_down"},
                              {"hba", "10000090fa0d6f92"},
                              {"recover_ms", 5000},
                              {"max_fires", 1}}));
    model.begin_step();
    step(model, renderer, t += 100);
    step(model, renderer, t + 6000);
    CHECK(model.leftovers().empty());
}
