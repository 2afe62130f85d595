// libbrick's NFS, RBD, local and encrypted-volume connectors, unmodified,
// against the simulated host (sim/fabrics/storage.json).
#include <catch2/catch.hpp>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "brick/nfs/mounts.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

constexpr const char* cephx_key = "AQBbogAAAAAAABAAc2ltdWxhdGVkLWNlcGgta2V5IQ==";
constexpr const char* passphrase = "6c756b732d706173737068726173652d31";
// os-brick's mount point: <base>/<md5 of "127.0.0.1:/srv/nfs">.
constexpr const char* share_dir = "/var/lib/nova/mnt/d5c077640592c9381d280865cf41ecf2";

nlohmann::json nfs_volume(const std::string& name,
                          const std::string& share = "127.0.0.1:/srv/nfs") {
    return {{"export", share}, {"name", name}};
}

nlohmann::json rbd_volume(const std::string& image, const std::string& key = cephx_key) {
    return {{"name", "volumes/" + image},
            {"hosts", {"127.0.0.1"}},
            {"ports", {"6789"}},
            {"cluster_name", "ceph"},
            {"auth_enabled", true},
            {"auth_username", "cinder"},
            {"keyring", "[client.cinder]\n\tkey = " + key + "\n"},
            {"do_local_attach", true}};
}

nlohmann::json iscsi_volume(bool encrypted) {
    return {{"target_portal", "127.0.0.1:3260"},
            {"target_iqn", "iqn.2026-01.org.brickworks:luks"},
            {"target_lun", 1},
            {"volume_id", "vol-luks"},
            {"encrypted", encrypted}};
}

ConnectorOptions nfs_options() {
    ConnectorOptions options;
    options.mount_point_base = "/var/lib/nova/mnt";
    return options;
}

std::vector<nfs::Mount> mounts(SimHost& host) {
    return nfs::read_mounts(host);
}

ErrorCategory category_of(const std::function<void()>& body) {
    try {
        body();
    } catch (const Error& e) {
        return e.category();
    }
    FAIL("no error");
    return ErrorCategory::internal;
}

}  // namespace

TEST_CASE("NFS: the share is mounted where os-brick mounts it, the file is the volume",
          "[nfs][connector]") {
    SimHost host(fabric("storage.json"), {.seed = 3});
    auto connector = make_connector(Protocol::nfs, host, nfs_options());
    const auto device = connector->connect(nfs_volume("volume-1"));
    CHECK(device.type == "file");
    CHECK(device.path == std::string(share_dir) + "/volume-1");
    const auto table = mounts(host);
    const auto mount = nfs::mount_at(table, share_dir);
    REQUIRE(mount);
    CHECK(mount->source == "127.0.0.1:/srv/nfs");
    CHECK(mount->type == "nfs4");
    CHECK(mount->options.find("vers=4.1") != std::string::npos);  // pNFS asked for first
    FileInfo info;
    REQUIRE(host.stat(device.path, info).ok());
    CHECK(info.type == FileType::regular);
    CHECK(info.size == 16777216);
    REQUIRE(host.write_through(device.path, 4096, "through nfs") == 0);
    connector->disconnect(nfs_volume("volume-1"), device, {});
    CHECK_FALSE(nfs::mount_at(mounts(host), share_dir));
    CHECK(host.model().volume_bytes("nfs-1", 4096, 11) == "through nfs");
    CHECK(host.model().leftovers().empty());
    connector->disconnect(nfs_volume("volume-1"), device, {});  // idempotent
}

TEST_CASE("NFS: a share stays mounted while another volume of it is attached", "[nfs][connector]") {
    SimHost host(fabric("storage.json"));
    auto connector = make_connector(Protocol::nfs, host, nfs_options());
    const auto one = connector->connect(nfs_volume("volume-1"));
    const auto two = connector->connect(nfs_volume("volume-2"));
    CHECK(host.model().state().storage.mounts.size() == 1);
    connector->disconnect(nfs_volume("volume-1"), one, {});
    CHECK(nfs::mount_at(mounts(host), share_dir));
    FileInfo info;
    CHECK(host.stat(two.path, info).ok());
    connector->disconnect(nfs_volume("volume-2"), two, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("NFS: a server without 4.1 gets the plain mount, which negotiates v3",
          "[nfs][connector]") {
    SimHost host(fabric("storage.json"));
    auto connector = make_connector(Protocol::nfs, host, nfs_options());
    const auto props = nfs_volume("volume-3", "127.0.0.1:/srv/v3only");
    const auto device = connector->connect(props);
    const auto table = mounts(host);
    REQUIRE(table.size() >= 1);
    CHECK(table.back().type == "nfs");
    CHECK(table.back().options.find("vers=3") != std::string::npos);
    connector->disconnect(props, device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("NFS: data.options naming a version is used as given", "[nfs][connector]") {
    SimHost host(fabric("storage.json"));
    auto connector = make_connector(Protocol::nfs, host, nfs_options());
    auto props = nfs_volume("volume-1");
    props["options"] = "-o vers=3,proto=tcp";
    const auto device = connector->connect(props);
    CHECK(mounts(host).back().options.find("vers=3") != std::string::npos);
    connector->disconnect(props, device, {});
}

TEST_CASE("NFS: failures leave nothing mounted", "[nfs][connector][faults]") {
    SimHost host(fabric("storage.json"));
    auto connector = make_connector(Protocol::nfs, host, nfs_options());
    SECTION("the volume's file is not in the share") {
        CHECK(category_of([&] { connector->connect(nfs_volume("volume-9")); }) ==
              ErrorCategory::device_not_found);
    }
    SECTION("the export does not exist") {
        CHECK(category_of([&] {
                  connector->connect(nfs_volume("volume-1", "127.0.0.1:/srv/none"));
              }) == ErrorCategory::command_failed);
    }
    SECTION("the server does not answer") {
        host.inject({{"fault", "portal_unreachable"}, {"portal", "127.0.0.1:2049"}});
        CHECK(category_of([&] { connector->connect(nfs_volume("volume-1")); }) ==
              ErrorCategory::target_unreachable);
    }
    CHECK(host.model().state().storage.mounts.empty());
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("NFS: mount options outside nfs(5) are refused before anything runs",
          "[nfs][connector][properties]") {
    SimHost host(fabric("storage.json"));
    auto connector = make_connector(Protocol::nfs, host, nfs_options());
    for (const auto* options : {"-o remount", "--bind", "-o vers=4,loop", "-oX-mount.mkdir"}) {
        auto props = nfs_volume("volume-1");
        props["options"] = options;
        try {
            connector->connect(props);
            FAIL("accepted " << options);
        } catch (const Error& e) {
            CHECK(e.category() == ErrorCategory::invalid_properties);
            CHECK(e.field() == "data.options");
        }
    }
    CHECK(host.model().state().dirs.empty());
    CHECK(host.model().state().storage.mounts.empty());
}

TEST_CASE("NFS: a busy share is reported and stays mounted", "[nfs][connector][faults]") {
    SimHost host(fabric("storage.json"));
    auto connector = make_connector(Protocol::nfs, host, nfs_options());
    const auto device = connector->connect(nfs_volume("volume-1"));
    host.inject({{"fault", "device_held_open"}, {"path", share_dir}, {"max_fires", 1}});
    CHECK(category_of([&] { connector->disconnect(nfs_volume("volume-1"), device, {}); }) ==
          ErrorCategory::host_error);
    CHECK(nfs::mount_at(mounts(host), share_dir));
    connector->disconnect(nfs_volume("volume-1"), device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("RBD: rbd map with private cluster files, /dev/rbd/<pool>/<image>, data flushed",
          "[rbd][connector]") {
    SimHost host(fabric("storage.json"), {.seed = 5});
    auto connector = make_connector(Protocol::rbd, host, {});
    const auto device = connector->connect(rbd_volume("volume-r1"));
    CHECK(device.path == "/dev/rbd/volumes/volume-r1");
    std::string target;
    REQUIRE(host.read_link(device.path, target).ok());
    CHECK(target == "../../rbd0");
    const auto& storage = host.model().state().storage;
    CHECK(storage.rbd_files_read == 2);  // the conf and the keyring
    CHECK(storage.rbd_files_private);
    std::vector<std::string> left;
    host.list_dir("/run/brick/rbd", left);
    CHECK(left.empty());
    CHECK(host.trace_text().find(cephx_key) == std::string::npos);
    REQUIRE(host.write_through(device.path, 0, "through krbd") == 0);
    connector->disconnect(rbd_volume("volume-r1"), device, {});
    CHECK(host.model().volume_bytes("rbd-1", 0, 12) == "through krbd");
    CHECK(host.model().lost_blocks("rbd-1") == 0);
    CHECK(host.model().leftovers().empty());
    CHECK_FALSE(host.exists(device.path));
}

TEST_CASE("RBD: a wrong key and dead monitors fail without leaving anything",
          "[rbd][connector][faults]") {
    SimHost host(fabric("storage.json"));
    auto connector = make_connector(Protocol::rbd, host, {});
    SECTION("wrong key") {
        CHECK(category_of([&] {
                  connector->connect(
                      rbd_volume("volume-r1", "AQBbogAAAAAAABAAd3Jvbmcta2V5LXdyb25nLWtleQ=="));
              }) == ErrorCategory::authentication_failed);
    }
    SECTION("no monitor answers") {
        host.inject({{"fault", "portal_unreachable"}, {"portal", "127.0.0.1:6789"}});
        CHECK(category_of([&] { connector->connect(rbd_volume("volume-r1")); }) ==
              ErrorCategory::target_unreachable);
    }
    SECTION("no such image") {
        CHECK(category_of([&] { connector->connect(rbd_volume("volume-r9")); }) ==
              ErrorCategory::device_not_found);
    }
    CHECK(host.model().state().storage.rbd.empty());
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("RBD: without ceph's udev rules the kernel device is returned", "[rbd][connector]") {
    SimHost host(fabric("storage.json"));
    host.inject({{"fault", "udev_link_missing"}, {"device", "rbd*"}});
    ConnectorOptions options;
    options.device_timeout = Duration(2000);
    auto connector = make_connector(Protocol::rbd, host, options);
    const auto device = connector->connect(rbd_volume("volume-r2"));
    CHECK(device.path == "/dev/rbd0");
    connector->disconnect(rbd_volume("volume-r2"), device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("RBD: a held device is not unmapped unless forced; extend reads the size",
          "[rbd][connector][faults]") {
    SimHost host(fabric("storage.json"));
    auto connector = make_connector(Protocol::rbd, host, {});
    const auto device = connector->connect(rbd_volume("volume-r1"));
    CHECK(connector->extend(rbd_volume("volume-r1")) == 33554432);
    host.inject({{"fault", "device_held_open"}, {"device", "rbd0"}});
    CHECK(category_of([&] { connector->disconnect(rbd_volume("volume-r1"), device, {}); }) ==
          ErrorCategory::would_lose_data);
    CHECK(host.model().state().storage.rbd.size() == 1);
    connector->disconnect(rbd_volume("volume-r1"), device, {.force = true, .ignore_errors = true});
    CHECK(host.model().state().storage.rbd.empty());
}

TEST_CASE("local: a block device is returned as it is; anything else is refused",
          "[local][connector]") {
    SimHost host(fabric("storage.json"));
    auto connector = make_connector(Protocol::local, host, {});
    const nlohmann::json props{{"device_path", "/dev/cinder-volumes/volume-l1"}};
    const auto device = connector->connect(props);
    CHECK(device.type == "local");
    CHECK(device.path == "/dev/cinder-volumes/volume-l1");
    CHECK(connector->extend(props) == 33554432);
    REQUIRE(host.write_through(device.path, 0, "local") == 0);
    connector->disconnect(props, device, {});
    CHECK(category_of([&] {
              connector->connect({{"device_path", "/dev/cinder-volumes/volume-l9"}});
          }) == ErrorCategory::device_not_found);
    CHECK(category_of([&] {
              connector->connect({{"device_path", "/etc/multipath.conf"}});
          }) == ErrorCategory::wrong_device);
}

TEST_CASE("LUKS: an encrypted iSCSI volume is formatted on first use, opened, closed",
          "[luks][connector]") {
    SimHost host(fabric("storage.json"), {.seed = 9});
    ConnectorOptions options;
    options.encryption_passphrase = passphrase;
    auto connector = make_connector(Protocol::iscsi, host, options);
    const auto device = connector->connect(iscsi_volume(true));
    CHECK(device.path == "/dev/mapper/crypt-sdb");
    std::string target;
    REQUIRE(host.read_link(device.path, target).ok());
    const auto dm = target.substr(target.rfind('/') + 1);
    CHECK(host.read_attribute("/sys/block/" + dm + "/dm/uuid")
              .value_or("")
              .rfind("CRYPT-LUKS1-", 0) == 0);
    std::vector<std::string> slaves;
    host.list_dir("/sys/block/" + dm + "/slaves", slaves);
    CHECK(slaves == std::vector<std::string>{"sdb"});
    const std::string secret_text = "plaintext only inside the mapping";
    REQUIRE(host.write_through(device.path, 0, secret_text) == 0);
    connector->disconnect(iscsi_volume(true), device, {});
    CHECK(host.model().leftovers().empty());
    CHECK(host.model().lost_blocks("lu-luks") == 0);
    // On the target: ciphertext after the 2 MiB LUKS1 header.
    const auto raw = host.model().volume_bytes("lu-luks", 2U << 20U, secret_text.size());
    CHECK(raw != secret_text);
    CHECK(raw != std::string(secret_text.size(), '\0'));
    // Re-attached with the same passphrase: the plaintext is back.
    const auto again = connector->connect(iscsi_volume(true));
    std::string read;
    REQUIRE(host.read_through(again.path, 0, secret_text.size(), read) == 0);
    CHECK(read == secret_text);
    connector->disconnect(iscsi_volume(true), again, {});
    CHECK(host.model().leftovers().empty());
    CHECK(host.trace_text().find(passphrase) == std::string::npos);
}

TEST_CASE("LUKS: a wrong passphrase detaches again; no passphrase changes nothing",
          "[luks][connector][faults]") {
    SimHost host(fabric("storage.json"));
    ConnectorOptions right;
    right.encryption_passphrase = passphrase;
    auto formatting = make_connector(Protocol::iscsi, host, right);
    formatting->disconnect(iscsi_volume(true), formatting->connect(iscsi_volume(true)), {});
    ConnectorOptions wrong;
    wrong.encryption_passphrase = "not-the-passphrase";
    auto connector = make_connector(Protocol::iscsi, host, wrong);
    CHECK(category_of([&] { connector->connect(iscsi_volume(true)); }) ==
          ErrorCategory::authentication_failed);
    CHECK(host.model().leftovers().empty());
    const auto steps = host.steps();
    auto keyless = make_connector(Protocol::iscsi, host, {});
    try {
        keyless->connect(iscsi_volume(true));
        FAIL("an encrypted volume was attached without its passphrase");
    } catch (const Error& e) {
        CHECK(e.category() == ErrorCategory::invalid_properties);
        CHECK(e.field() == "data.encrypted");
    }
    CHECK(host.steps() == steps);  // not one host interaction
}

TEST_CASE("LUKS: encrypted RBD and local volumes", "[luks][connector][rbd][local]") {
    SimHost host(fabric("storage.json"));
    ConnectorOptions options;
    options.encryption_passphrase = passphrase;
    options.luks_format = "luks2";
    auto rbd = make_connector(Protocol::rbd, host, options);
    auto props = rbd_volume("volume-r1");
    props["encrypted"] = true;
    const auto device = rbd->connect(props);
    CHECK(device.path == "/dev/mapper/crypt-volume-r1");
    CHECK(host.model().crypt_mapping("crypt-volume-r1")->luks_version == 2);
    rbd->disconnect(props, device, {});
    auto local = make_connector(Protocol::local, host, options);
    const nlohmann::json lv{{"device_path", "/dev/cinder-volumes/volume-l1"}, {"encrypted", true}};
    const auto opened = local->connect(lv);
    CHECK(opened.path == "/dev/mapper/crypt-volume-l1");
    local->disconnect(lv, opened, {});
    CHECK(host.model().leftovers().empty());
}
