// Table-driven: a malformed value for every key of every protocol gives an
// invalid_properties error naming the full field and what was expected, and
// leaves the input untouched.

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "brick/core/secrets.hpp"
#include "brick/properties/parse.hpp"
#include "properties_support.hpp"

namespace {

using brick::Protocol;
using nlohmann::json;

struct Base {
    Protocol protocol;
    json data;
};

// Valid data dicts each row starts from.
const std::map<std::string, Base>& bases() {
    static const std::map<std::string, Base> all = {
        {"iscsi",
         {Protocol::iscsi,
          {{"target_portal", "198.51.100.7:3260"},
           {"target_iqn", "iqn.2004-05.net.example:vol-1"},
           {"target_lun", 3},
           {"target_discovered", false},
           {"auth_method", "CHAP"},
           {"auth_username", "chapuser"},
           {"auth_password", "Tbl5ecretPw"},
           {"volume_id", "6d54cb90-a5d1-40d8-9cb2-c6adf43a02af"},
           {"access_mode", "rw"},
           {"encrypted", false},
           {"scsi_wwn", "36001405abcdef0123456789abcdef01"}}}},
        {"iscsi_plural",
         {Protocol::iscsi,
          {{"target_portals", {"198.51.100.7:3260", "[2001:db8::7]:3260"}},
           {"target_iqns", {"iqn.2004-05.net.example:a", "iqn.2004-05.net.example:b"}},
           {"target_luns", {1, 2}},
           {"target_discovered", true}}}},
        {"fc",
         {Protocol::fibre_channel,
          {{"target_wwns", {"50060E8000AB0001", "50060E8000AB0002"}},
           {"target_luns", {1, 1}},
           {"target_wwn", "50060E8000AB0001"},
           {"target_lun", 1},
           {"initiator_target_map", {{"10000090fa0d0001", {"50060E8000AB0001"}}}},
           {"addressing_mode", "SAM2"},
           {"enable_wildcard_scan", true},
           {"target_discovered", true}}}},
        {"nvme_new",
         {Protocol::nvmeof,
          {{"target_nqn", "nqn.2016-06.io.spdk:cnode1"},
           {"vol_uuid", "c20aba21-6ef6-446b-b374-45733b4883ba"},
           {"portals", {{"10.0.0.5", 4420, "tcp"}}},
           {"volume_nguid", "c20aba216ef6446bb37445733b4883ba"},
           {"ns_id", "10"},
           {"host_nqn", "nqn.2014-08.org.nvmexpress:uuid:4c4c4544-0051-3010-8052-b4c04f4e4d32"}}}},
        {"nvme_old",
         {Protocol::nvmeof,
          {{"nqn", "nqn.2016-06.io.spdk:cnode1"},
           {"target_portal", "10.0.0.5"},
           {"target_port", 4420},
           {"transport_type", "tcp"},
           {"ns_id", 1}}}},
        {"nvme_replicas",
         {Protocol::nvmeof,
          {{"alias", "md-vol1"},
           {"vol_uuid", "c20aba21-6ef6-446b-b374-45733b4883ba"},
           {"replica_count", 2},
           {"volume_replicas",
            {{{"target_nqn", "nqn.2016-06.io.spdk:a"}, {"portals", {{"10.0.0.1", 4420, "tcp"}}}},
             {{"target_nqn", "nqn.2016-06.io.spdk:b"},
              {"portals", {{"10.0.0.2", 4420, "tcp"}}}}}}}}},
        {"rbd",
         {Protocol::rbd,
          {{"name", "volumes/volume-1"},
           {"hosts", {"192.168.122.31", "192.168.122.32"}},
           {"ports", {"6789", "6789"}},
           {"cluster_name", "ceph"},
           {"auth_enabled", true},
           {"auth_username", "cinder"},
           {"keyring", "[client.cinder]\n\tkey = AQBtableKeytableKeytableKey00==\n"},
           {"secret_type", "ceph"},
           {"secret_uuid", "457eb676-33da-42ec-9a8c-9293d545c337"},
           {"volume_id", "6d54cb90-a5d1-40d8-9cb2-c6adf43a02af"},
           {"do_local_attach", false}}}},
        {"nfs",
         {Protocol::nfs,
          {{"export", "172.18.194.100:/var/nfs"}, {"name", "volume-1"}, {"options", "-o vers=4"}}}},
        {"local", {Protocol::local, {{"device_path", "/dev/vg0/volume-1"}}}},
    };
    return all;
}

struct Row {
    const char* base;
    const char* pointer;  // JSON pointer into the data dict
    const char* value;    // JSON text of the new value, or nullptr to remove the key
    const char* field;    // expected Error::field()
    const char* message;  // expected part of Error::message()
};

// clang-format off
const Row rows[] = {
    // iSCSI portal
    {"iscsi", "/target_portal", "3260", "data.target_portal", "a string"},
    {"iscsi", "/target_portal", R"("")", "data.target_portal", "empty"},
    {"iscsi", "/target_portal", R"("198.51.100.7:99999")", "data.target_portal", "1..65535"},
    {"iscsi", "/target_portal", R"("198.51.100.7:0")", "data.target_portal", "1..65535"},
    {"iscsi", "/target_portal", R"("198.51.100.7:-1")", "data.target_portal", "port"},
    {"iscsi", "/target_portal", R"("198.51.100.7:3260;reboot")", "data.target_portal", "port"},
    {"iscsi", "/target_portal", R"("$(reboot):3260")", "data.target_portal", "DNS name"},
    {"iscsi", "/target_portal", R"("host\n:3260")", "data.target_portal", "DNS name"},
    {"iscsi", "/target_portal", R"("999.1.1.1:3260")", "data.target_portal", "IPv4"},
    {"iscsi", "/target_portal", R"("2001:db8::1:3260")", "data.target_portal", "ambiguous"},
    {"iscsi", "/target_portal", R"("[2001:db8::zz]:3260")", "data.target_portal", "IPv6"},
    {"iscsi", "/target_portal", R"("[2001:db8::1:3260")", "data.target_portal", "IPv6"},
    {"iscsi", "/target_portal", R"("[2001:db8::1]3260")", "data.target_portal", "after ']'"},
    {"iscsi", "/target_portal", R"("2001:db8:::1:3260")", "data.target_portal", "valid address"},
    {"iscsi", "/target_portal", nullptr, "data.target_portal", "missing"},
    // iSCSI IQN
    {"iscsi", "/target_iqn", "42", "data.target_iqn", "a string"},
    {"iscsi", "/target_iqn", R"("iqn.2004-05.net.example:vol;rm -rf /")", "data.target_iqn", "bad character"},
    {"iscsi", "/target_iqn", R"("iqn.2004-05.net.example:vol\n1")", "data.target_iqn", "bad character"},
    {"iscsi", "/target_iqn", "\"iqn.2004-05.net.example:$(id)\"", "data.target_iqn", "bad character"},
    {"iscsi", "/target_iqn", R"("iqn.2004-13.net.example:x")", "data.target_iqn", "YYYY-MM"},
    {"iscsi", "/target_iqn", R"("iqn.2004-05.NET.example:x")", "data.target_iqn", "lower-case"},
    {"iscsi", "/target_iqn", R"("eui.123")", "data.target_iqn", "eui.<16 hex digits>"},
    {"iscsi", "/target_iqn", R"("naa.123456789012345")", "data.target_iqn", "naa."},
    {"iscsi", "/target_iqn", R"("../../etc/iscsi")", "data.target_iqn", "bad character"},
    {"iscsi", "/target_iqn", nullptr, "data.target_iqn", "missing"},
    // iSCSI LUN
    {"iscsi", "/target_lun", "-1", "data.target_lun", "0..18446744073709551615"},
    {"iscsi", "/target_lun", "1.5", "data.target_lun", "whole number"},
    {"iscsi", "/target_lun", "1e30", "data.target_lun", "whole number"},
    {"iscsi", "/target_lun", "18446744073709551616", "data.target_lun", "whole number"},
    {"iscsi", "/target_lun", R"("99999999999999999999999")", "data.target_lun", "0..18446744073709551615"},
    {"iscsi", "/target_lun", R"("1e3")", "data.target_lun", "decimal string"},
    {"iscsi", "/target_lun", R"("-1")", "data.target_lun", "decimal string"},
    {"iscsi", "/target_lun", "true", "data.target_lun", "a boolean"},
    {"iscsi", "/target_lun", "[1]", "data.target_lun", "an array"},
    // iSCSI CHAP
    {"iscsi", "/auth_method", R"("PAP")", "data.auth_method", "CHAP"},
    {"iscsi", "/auth_method", "1", "data.auth_method", "a string"},
    {"iscsi", "/auth_username", R"("user;reboot")", "data.auth_username", "CHAP user name"},
    {"iscsi", "/auth_username", R"("user\nname")", "data.auth_username", "bad character"},
    {"iscsi", "/auth_username", R"("a b")", "data.auth_username", "bad character"},
    {"iscsi", "/auth_username", nullptr, "data.auth_username", "missing"},
    {"iscsi", "/auth_password", "123", "data.auth_password", "a string"},
    {"iscsi", "/auth_password", R"("pass\nword")", "data.auth_password", "control characters"},
    {"iscsi", "/auth_password", R"("")", "data.auth_password", "non-empty"},
    {"iscsi", "/auth_password", nullptr, "data.auth_password", "missing"},
    {"iscsi", "/auth_username_in", R"("mutual")", "data.auth_password_in", "missing"},
    {"iscsi", "/auth_password_in", R"("MutualTblPw")", "data.auth_username_in", "missing"},
    {"iscsi", "/discovery_auth_method", R"("CHAP")", "data.discovery_auth_username", "missing"},
    {"iscsi", "/discovery_method", R"("isns")", "data.discovery_method", "sendtargets"},
    {"iscsi", "/discovery_method", "true", "data.discovery_method", "a string"},
    // iSCSI other keys
    {"iscsi", "/target_discovered", R"("false")", "data.target_discovered", "true or false"},
    {"iscsi", "/access_mode", R"("rwx")", "data.access_mode", "\"rw\" or \"ro\""},
    {"iscsi", "/access_mode", "1", "data.access_mode", "\"rw\" or \"ro\""},
    {"iscsi", "/encrypted", R"("no")", "data.encrypted", "true or false"},
    {"iscsi", "/volume_id", R"("../../etc/passwd")", "data.volume_id", "bad character"},
    {"iscsi", "/volume_id", "7", "data.volume_id", "a string"},
    {"iscsi", "/iface", R"("..")", "data.iface", "single path component"},
    {"iscsi", "/iface", R"("../default")", "data.iface", "bad character"},
    {"iscsi", "/iface", R"("default;reboot")", "data.iface", "bad character"},
    {"iscsi", "/transport", R"("fc")", "data.transport", "iser"},
    {"iscsi", "/scsi_wwn", R"("36001405\n")", "data.scsi_wwn", "bad character"},
    // iSCSI plural keys
    {"iscsi_plural", "/target_portals", R"("198.51.100.7:3260")", "data.target_portals", "an array"},
    {"iscsi_plural", "/target_portals", "[]", "data.target_portals", "non-empty"},
    {"iscsi_plural", "/target_portals/1", R"("bad host!:3260")", "data.target_portals[1]", "DNS name"},
    {"iscsi_plural", "/target_portals/1", R"("[::1]:65536")", "data.target_portals[1]", "1..65535"},
    {"iscsi_plural", "/target_portals/0", "null", "data.target_portals[0]", "a string"},
    {"iscsi_plural", "/target_iqns", R"(["iqn.2004-05.net.example:a"])", "data.target_iqns", "array of 2 IQNs"},
    {"iscsi_plural", "/target_iqns/1", R"("iqn.bad")", "data.target_iqns[1]", "iSCSI name"},
    {"iscsi_plural", "/target_luns", "[1, 2, 3]", "data.target_luns", "array of 2 LUNs"},
    {"iscsi_plural", "/target_luns/1", "-5", "data.target_luns[1]", "0..18446744073709551615"},
    {"iscsi_plural", "/target_luns", nullptr, "data.target_lun", "missing"},
    {"iscsi_plural", "/target_iqns", nullptr, "data.target_iqn", "missing"},
    {"iscsi_plural", "/target_portal", R"("x;y")", "data.target_portal", "DNS name"},
    // FC
    {"fc", "/target_wwns/0", R"("2021000")", "data.target_wwns[0]", "16 hex digits"},
    {"fc", "/target_wwns/1", R"("g0060e8000ab0002")", "data.target_wwns[1]", "16 hex digits"},
    {"fc", "/target_wwns/1", R"("0x50060e8000ab0002;reboot")", "data.target_wwns[1]", "16 hex digits"},
    {"fc", "/target_wwns/1", "5", "data.target_wwns[1]", "a string"},
    {"fc", "/target_wwns", R"("50060E8000AB0001")", "data.target_wwns", "an array"},
    {"fc", "/target_wwns", "[]", "data.target_wwns", "non-empty"},
    {"fc", "/target_luns", "[1, 2, 3]", "data.target_luns", "one LUN per target WWN"},
    {"fc", "/target_luns/0", "-1", "data.target_luns[0]", "LUN"},
    {"fc", "/target_luns", "7", "data.target_luns", "an array"},
    {"fc", "/target_wwn", "42", "data.target_wwn", "a string"},
    {"fc", "/target_lun", R"("one")", "data.target_lun", "decimal string"},
    {"fc", "/initiator_target_map", "[]", "data.initiator_target_map", "an object"},
    {"fc", "/initiator_target_map/10000090fa0d0001", R"("50060E8000AB0001")", "data.initiator_target_map.10000090fa0d0001", "an array"},
    {"fc", "/initiator_target_map/zz", "[]", "data.initiator_target_map.zz", "16 hex digits"},
    {"fc", "/initiator_target_map/10000090fa0d0001/0", R"("nothex")", "data.initiator_target_map.10000090fa0d0001[0]", "16 hex digits"},
    {"fc", "/addressing_mode", R"("SAM4")", "data.addressing_mode", "SAM3-flat"},
    {"fc", "/enable_wildcard_scan", R"("yes")", "data.enable_wildcard_scan", "true or false"},
    {"fc", "/target_discovered", "1", "data.target_discovered", "true or false"},
    {"fc", "/access_mode", R"("RW")", "data.access_mode", "\"rw\" or \"ro\""},
    // NVMe-oF new format
    {"nvme_new", "/target_nqn", R"("nqn.2014-08.org.example:sub;reboot")", "data.target_nqn", "bad character"},
    {"nvme_new", "/target_nqn", R"("nqn.2014-08.org.example:sub\nx")", "data.target_nqn", "bad character"},
    {"nvme_new", "/target_nqn", R"("nqn.2014-13.org.example:x")", "data.target_nqn", "nqn.YYYY-MM"},
    {"nvme_new", "/target_nqn", R"("nqn.2014-08.org.nvmexpress:uuid:not-a-uuid")", "data.target_nqn", "uuid"},
    {"nvme_new", "/target_nqn", R"("../nqn")", "data.target_nqn", "bad character"},
    {"nvme_new", "/target_nqn", "[]", "data.target_nqn", "a string"},
    {"nvme_new", "/portals", "[]", "data.portals", "non-empty"},
    {"nvme_new", "/portals", R"("10.0.0.5:4420")", "data.portals", "non-empty array"},
    {"nvme_new", "/portals/0", R"(["10.0.0.5", 4420])", "data.portals[0]", "[address, port, transport]"},
    {"nvme_new", "/portals/0/0", R"("10.0.0.5:4420")", "data.portals[0][0]", "without a port"},
    {"nvme_new", "/portals/0/0", "\"$(reboot)\"", "data.portals[0][0]", "DNS name"},
    {"nvme_new", "/portals/0/0", R"("[fe80::1")", "data.portals[0][0]", "IPv6"},
    {"nvme_new", "/portals/0/1", "70000", "data.portals[0][1]", "1..65535"},
    {"nvme_new", "/portals/0/1", "4420.5", "data.portals[0][1]", "whole number"},
    {"nvme_new", "/portals/0/2", R"("fc")", "data.portals[0][2]", "RoCEv2"},
    {"nvme_new", "/portals/0/2", "1", "data.portals[0][2]", "a string"},
    {"nvme_new", "/vol_uuid", R"("1234")", "data.vol_uuid", "UUID"},
    {"nvme_new", "/volume_nguid", R"("xyz")", "data.volume_nguid", "NGUID"},
    {"nvme_new", "/ns_id", "0", "data.ns_id", "1..4294967294"},
    {"nvme_new", "/ns_id", "-1", "data.ns_id", "1..4294967294"},
    {"nvme_new", "/ns_id", R"("abc")", "data.ns_id", "decimal string"},
    {"nvme_new", "/host_nqn", R"("nqn;x")", "data.host_nqn", "bad character"},
    {"nvme_new", "/access_mode", R"("w")", "data.access_mode", "\"rw\" or \"ro\""},
    {"nvme_new", "/device_path", R"("/dev/../etc/passwd")", "data.device_path", "'..'"},
    // NVMe-oF old format
    {"nvme_old", "/target_port", R"("abc")", "data.target_port", "decimal string"},
    {"nvme_old", "/target_port", "0", "data.target_port", "1..65535"},
    {"nvme_old", "/target_port", nullptr, "data.target_port", "missing"},
    {"nvme_old", "/transport_type", R"("loop")", "data.transport_type", "tcp"},
    {"nvme_old", "/transport_type", nullptr, "data.transport_type", "missing"},
    {"nvme_old", "/nqn", nullptr, "data.nqn", "missing"},
    {"nvme_old", "/nqn", R"("sub system")", "data.nqn", "bad character"},
    {"nvme_old", "/target_portal", R"("999.0.0.1")", "data.target_portal", "IPv4"},
    {"nvme_old", "/ns_id", "1.0", "data.ns_id", "whole number"},
    // NVMe-oF replicas
    {"nvme_replicas", "/replica_count", "3", "data.replica_count", "number of entries"},
    {"nvme_replicas", "/replica_count", "0", "data.replica_count", "1..4294967295"},
    {"nvme_replicas", "/volume_replicas", "{}", "data.volume_replicas", "non-empty array"},
    {"nvme_replicas", "/volume_replicas/1", R"("x")", "data.volume_replicas[1]", "an object"},
    {"nvme_replicas", "/volume_replicas/1/target_nqn", "5", "data.volume_replicas[1].target_nqn", "a string"},
    {"nvme_replicas", "/volume_replicas/0/portals/0/2", R"("x")", "data.volume_replicas[0].portals[0][2]", "transport"},
    {"nvme_replicas", "/volume_replicas/0/portals", nullptr, "data.volume_replicas[0].portals", "missing"},
    {"nvme_replicas", "/alias", R"("../md0")", "data.alias", "bad character"},
    {"nvme_replicas", "/alias", R"("md/0")", "data.alias", "bad character"},
    {"nvme_replicas", "/alias", nullptr, "data.alias", "missing"},
    {"nvme_replicas", "/vol_uuid", R"("x")", "data.vol_uuid", "UUID"},
    {"nvme_replicas", "/vol_uuid", nullptr, "data.vol_uuid", "missing"},
    // RBD
    {"rbd", "/name", R"("volumes")", "data.name", "pool/image"},
    {"rbd", "/name", R"("volumes/../x")", "data.name", "exactly one '/'"},
    {"rbd", "/name", R"("../volume-1")", "data.name", "single path component"},
    {"rbd", "/name", R"("volumes/img;reboot")", "data.name", "bad character"},
    {"rbd", "/name", R"("volumes/img\n")", "data.name", "bad character"},
    {"rbd", "/name", "[]", "data.name", "a string"},
    {"rbd", "/name", nullptr, "data.name", "missing"},
    {"rbd", "/hosts/1", R"("10.0.0.1;reboot")", "data.hosts[1]", "DNS name"},
    {"rbd", "/hosts", R"("192.168.122.31")", "data.hosts", "an array"},
    {"rbd", "/hosts", nullptr, "data.hosts", "missing"},
    {"rbd", "/ports", R"(["6789"])", "data.ports", "one port per entry"},
    {"rbd", "/ports/0", R"("abc")", "data.ports[0]", "decimal string"},
    {"rbd", "/ports/1", "70000", "data.ports[1]", "1..65535"},
    {"rbd", "/cluster_name", R"("../ceph")", "data.cluster_name", "bad character"},
    {"rbd", "/cluster_name", R"("ceph.conf")", "data.cluster_name", "bad character"},
    {"rbd", "/auth_username", R"("cinder\n")", "data.auth_username", "bad character"},
    {"rbd", "/auth_username", R"("../admin")", "data.auth_username", "bad character"},
    {"rbd", "/auth_enabled", R"("true")", "data.auth_enabled", "true or false"},
    {"rbd", "/keyring", "5", "data.keyring", "a string"},
    {"rbd", "/keyring", R"("key\u0000x")", "data.keyring", "control characters"},
    {"rbd", "/secret_uuid", R"("abc")", "data.secret_uuid", "UUID"},
    {"rbd", "/secret_type", R"("ceph;x")", "data.secret_type", "bad character"},
    {"rbd", "/do_local_attach", "1", "data.do_local_attach", "true or false"},
    // NFS
    {"nfs", "/export", R"("nohost")", "data.export", "server:/path"},
    {"nfs", "/export", R"(":/var/nfs")", "data.export", "server:/path"},
    {"nfs", "/export", R"("10.0.0.1:relative")", "data.export", "absolute path"},
    {"nfs", "/export", R"("10.0.0.1:/a/../b")", "data.export", "'..'"},
    {"nfs", "/export", R"("10.0.0.1:/a;reboot")", "data.export", "bad character"},
    {"nfs", "/export", R"("host name:/a")", "data.export", "DNS name"},
    {"nfs", "/export", R"("[2001:db8::zz]:/a")", "data.export", "IPv6"},
    {"nfs", "/export", "1", "data.export", "a string"},
    {"nfs", "/name", R"("../x")", "data.name", "bad character"},
    {"nfs", "/name", R"("..")", "data.name", "single path component"},
    {"nfs", "/name", R"("a/b")", "data.name", "bad character"},
    {"nfs", "/name", R"("")", "data.name", "non-empty"},
    {"nfs", "/options", "5", "data.options", "a string"},
    {"nfs", "/options", R"("-o vers=4\n")", "data.options", "bad character"},
    {"nfs", "/options", R"("-o vers=4;reboot")", "data.options", "bad character"},
    {"nfs", "/options", "\"-o $(id)\"", "data.options", "bad character"},
    {"nfs", "/options", R"("-o remount")", "data.options", "not accepted"},
    {"nfs", "/options", R"("-o vers=4,loop")", "data.options", "not accepted"},
    {"nfs", "/options", R"("--bind")", "data.options", "-o option"},
    {"nfs", "/options", R"("-o")", "data.options", "after \"-o\""},
    // local
    {"local", "/device_path", R"("dev/sda")", "data.device_path", "absolute path"},
    {"local", "/device_path", R"("/dev/../etc/passwd")", "data.device_path", "'..'"},
    {"local", "/device_path", R"("/dev/sda\n")", "data.device_path", "bad character"},
    {"local", "/device_path", R"("/dev/sd a")", "data.device_path", "bad character"},
    {"local", "/device_path", R"("/dev//sda")", "data.device_path", "empty"},
    {"local", "/device_path", "5", "data.device_path", "a string"},
    {"local", "/device_path", nullptr, "data.device_path", "missing"},
    {"local", "/access_mode", "false", "data.access_mode", "\"rw\" or \"ro\""},
};
// clang-format on

}  // namespace

TEST_CASE("table: a malformed value for every key gives a typed error", "[properties][malformed]") {
    std::set<std::string> keys_covered;
    for (const auto& row : rows) {
        const auto& base = bases().at(row.base);
        json data = base.data;
        const json::json_pointer pointer(row.pointer);
        if (row.value == nullptr) {
            data.at(pointer.parent_pointer()).erase(pointer.back());
        } else {
            data[pointer] = json::parse(row.value);
        }
        const auto before = data;
        INFO(row.base << " " << row.pointer << " = " << (row.value ? row.value : "(removed)"));
        const auto error =
            brick::testing::error_of([&] { brick::validate_properties(base.protocol, data); });
        REQUIRE(error);
        INFO("field: " << error->field() << ", message: " << error->message());
        CHECK(error->category() == brick::ErrorCategory::invalid_properties);
        CHECK(error->field() == row.field);
        // Messages are masked: a reference example's password "secret" turns
        // "data.secret_uuid" into "data.***_uuid" in every later message.
        CHECK(error->message().rfind(brick::mask_secrets(std::string(row.field) + ": expected "),
                                     0) == 0);
        CHECK_THAT(error->message(), Catch::Contains(row.message, Catch::CaseSensitive::No));
        CHECK(data == before);
        keys_covered.insert(std::string(row.base) + row.pointer);
    }
    CHECK(keys_covered.size() >= 80);
}

TEST_CASE("table bases are valid", "[properties][malformed]") {
    for (const auto& [name, base] : bases()) {
        INFO(name);
        CHECK_NOTHROW(brick::validate_properties(base.protocol, base.data));
    }
}

TEST_CASE("envelope errors: wrong driver_volume_type, data and document types",
          "[properties][malformed]") {
    const auto& local = bases().at("local").data;
    struct EnvelopeRow {
        Protocol protocol;
        json document;
        const char* field;
        const char* message;
    };
    const EnvelopeRow envelope_rows[] = {
        {Protocol::iscsi,
         {{"driver_volume_type", "nfs"}, {"data", local}},
         "driver_volume_type",
         "\"iscsi\" as requested"},
        {Protocol::iscsi,
         {{"driver_volume_type", "iser"}, {"data", local}},
         "driver_volume_type",
         "as requested"},
        {Protocol::local,
         {{"driver_volume_type", "bogus"}, {"data", local}},
         "driver_volume_type",
         "one of iscsi"},
        {Protocol::local,
         {{"driver_volume_type", 3}, {"data", local}},
         "driver_volume_type",
         "a string"},
        {Protocol::local, {{"driver_volume_type", "local"}, {"data", "x"}}, "data", "an object"},
        {Protocol::local, {{"driver_volume_type", "local"}}, "data", "an object"},
        {Protocol::local, json::array({1}), "document", "a JSON object"},
        {Protocol::local, "text", "document", "a JSON object"},
    };
    for (const auto& row : envelope_rows) {
        INFO(row.document.dump());
        const auto before = row.document;
        const auto error = brick::testing::error_of(
            [&] { brick::validate_properties(row.protocol, row.document); });
        REQUIRE(error);
        CHECK(error->category() == brick::ErrorCategory::invalid_properties);
        CHECK(error->field() == row.field);
        CHECK_THAT(error->message(), Catch::Contains(row.message));
        CHECK(row.document == before);
    }
}
