#pragma once
// The table of malformed connection properties: valid data dicts of every
// protocol (bases) and rows that each change one key to a malformed or hostile
// value, with the error field and message expected. Used by the properties
// tests (lib/tests), the CLI tests and the simulator's connect tests
// (sim/tests/hostile_properties_test.cpp), which check that nothing reaches
// the host.

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "brick/properties/common.hpp"

namespace brick::testing::malformed {

using brick::Protocol;
using nlohmann::json;

struct Base {
    Protocol protocol;
    json data;
};

// Valid data dicts each row starts from.
inline const std::map<std::string, Base>& bases() {
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
        {"iscsi_mutual",
         {Protocol::iscsi,
          {{"target_portal", "198.51.100.7:3260"},
           {"target_iqn", "iqn.2004-05.net.example:vol-1"},
           {"target_lun", 0},
           {"auth_method", "CHAP"},
           {"auth_username", "initiator"},
           {"auth_password", "Initiat0rPw1"},
           {"auth_username_in", "target"},
           {"auth_password_in", "Target5ecret"},
           {"discovery_auth_method", "CHAP"},
           {"discovery_auth_username", "disc"},
           {"discovery_auth_password", "Disc0veryPw1"},
           {"discovery_method", "sendtargets"},
           {"iface", "default"},
           {"transport", "tcp"}}}},
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
inline constexpr auto rows = std::to_array<Row>({
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
    {"iscsi", "/access_mode", R"("rwx")", "data.access_mode", R"("rw" or "ro")"},
    {"iscsi", "/access_mode", "1", "data.access_mode", R"("rw" or "ro")"},
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
    {"fc", "/access_mode", R"("RW")", "data.access_mode", R"("rw" or "ro")"},
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
    {"nvme_new", "/access_mode", R"("w")", "data.access_mode", R"("rw" or "ro")"},
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
    {"local", "/access_mode", "false", "data.access_mode", R"("rw" or "ro")"},
});
// clang-format on

// A row of either table: the document it gives and what must be refused.
struct Case {
    std::string base;
    std::string pointer;
    std::optional<std::string> value;  // JSON text, or nullopt to remove the key
    std::string field;
    std::string message;
    Protocol protocol() const { return bases().at(base).protocol; }
    // The base's data dict with the row applied.
    nlohmann::json data() const {
        auto out = bases().at(base).data;
        const nlohmann::json::json_pointer where(pointer);
        if (!value) {
            out.at(where.parent_pointer()).erase(where.back());
        } else {
            out[where] = nlohmann::json::parse(*value);
        }
        return out;
    }
};

// Hostile values for every key: shell metacharacters and newlines in names
// that reach argument vectors, path traversal and absolute paths in names that
// become paths, huge and negative numbers, wrong JSON types, very long
// strings, IPv6 variants.
inline std::vector<Case> hostile_cases() {
    const auto text = [](const std::string& value) { return nlohmann::json(value).dump(); };
    const auto longer = [](std::size_t n) { return std::string(n, 'a'); };
    // clang-format off
    std::vector<Case> out = {
        // iSCSI portal
        {"iscsi", "/target_portal", text("`reboot`:3260"), "data.target_portal", "DNS name"},
        {"iscsi", "/target_portal", text("198.51.100.7:3260|id"), "data.target_portal", "port"},
        {"iscsi", "/target_portal", text("198.51.100.7:3260 &"), "data.target_portal", "port"},
        {"iscsi", "/target_portal", text("198.51.100.7\r:3260"), "data.target_portal", "IPv4"},
        {"iscsi", "/target_portal", text("198.51.100.7\r\n:3260"), "data.target_portal", "DNS name"},
        {"iscsi", "/target_portal", text(std::string("198.51.100.7:3260") + '\0'), "data.target_portal", "port"},
        {"iscsi", "/target_portal", text("/etc/passwd:3260"), "data.target_portal", "DNS name"},
        {"iscsi", "/target_portal", text("../../etc:3260"), "data.target_portal", "DNS name"},
        {"iscsi", "/target_portal", text(longer(300) + ":3260"), "data.target_portal", "DNS name"},
        {"iscsi", "/target_portal", text("[fe80::1%eth0;reboot]:3260"), "data.target_portal", "IPv6"},
        {"iscsi", "/target_portal", text("[fe80::1%" + longer(16) + "]:3260"), "data.target_portal", "IPv6"},
        {"iscsi", "/target_portal", text("[::1]:"), "data.target_portal", "port"},
        {"iscsi", "/target_portal", text("[]:3260"), "data.target_portal", "IPv6"},
        {"iscsi", "/target_portal", text("[1:2:3:4:5:6:7:8:9]:3260"), "data.target_portal", "IPv6"},
        {"iscsi", "/target_portal", text("[::1]]:3260"), "data.target_portal", "after ']'"},
        {"iscsi", "/target_portal", text("[::ffff:1.2.3.4.5]:3260"), "data.target_portal", "IPv6"},
        {"iscsi", "/target_portal", text("198.51.100.7:3260:3260"), "data.target_portal", "valid address"},
        {"iscsi", "/target_portal", text("198.51.100.7:+3260"), "data.target_portal", "port"},
        {"iscsi", "/target_portal", text("198.51.100.7:0x0cbc"), "data.target_portal", "port"},
        {"iscsi", "/target_portal", text(std::string("[fe80::1") + '\0' + ";reboot%eth0]:3260"), "data.target_portal", "IPv6"},
        {"iscsi", "/target_portal", text(std::string("[::") + '\0' + "1]:3260"), "data.target_portal", "IPv6"},
        {"iscsi", "/target_portal", R"({"host": "198.51.100.7"})", "data.target_portal", "a string"},
        {"iscsi", "/target_portal", "true", "data.target_portal", "a string"},
        // iSCSI IQN
        {"iscsi", "/target_iqn", text("iqn.2004-05.net.example:vol`id`"), "data.target_iqn", "bad character"},
        {"iscsi", "/target_iqn", text("iqn.2004-05.net.example:vol|x"), "data.target_iqn", "bad character"},
        {"iscsi", "/target_iqn", text("iqn.2004-05.net.example:vol x"), "data.target_iqn", "bad character"},
        {"iscsi", "/target_iqn", text("iqn.2004-05.net.example:vol\r"), "data.target_iqn", "bad character"},
        {"iscsi", "/target_iqn", text("iqn.2004-05.net.example:vol'\"x"), "data.target_iqn", "bad character"},
        {"iscsi", "/target_iqn", text("iqn.2004-05.net.example:../../x"), "data.target_iqn", "bad character"},
        {"iscsi", "/target_iqn", text("/etc/iscsi/nodes"), "data.target_iqn", "bad character"},
        {"iscsi", "/target_iqn", text("iqn.2004-05.net.example:" + longer(200)), "data.target_iqn", "at most 223 bytes"},
        {"iscsi", "/target_iqn", "{}", "data.target_iqn", "a string"},
        // iSCSI LUN
        {"iscsi", "/target_lun", R"("18446744073709551616")", "data.target_lun", "0..18446744073709551615"},
        {"iscsi", "/target_lun", "-9223372036854775808", "data.target_lun", "0..18446744073709551615"},
        {"iscsi", "/target_lun", "1e300", "data.target_lun", "whole number"},
        {"iscsi", "/target_lun", R"("1;reboot")", "data.target_lun", "decimal string"},
        {"iscsi", "/target_lun", R"(" 1")", "data.target_lun", "decimal string"},
        {"iscsi", "/target_lun", R"("+1")", "data.target_lun", "decimal string"},
        {"iscsi", "/target_lun", "{}", "data.target_lun", "an object"},
        // iSCSI CHAP
        {"iscsi", "/auth_method", text("CHAP;reboot"), "data.auth_method", "CHAP"},
        {"iscsi", "/auth_method", R"("")", "data.auth_method", "non-empty"},
        {"iscsi", "/auth_username", text("user`id`"), "data.auth_username", "bad character"},
        {"iscsi", "/auth_username", text("user$(id)"), "data.auth_username", "bad character"},
        {"iscsi", "/auth_username", text("../../etc/passwd"), "data.auth_username", "bad character"},
        {"iscsi", "/auth_username", text(std::string("user") + '\0'), "data.auth_username", "bad character"},
        {"iscsi", "/auth_username", text(longer(256)), "data.auth_username", "at most 255 bytes"},
        {"iscsi", "/auth_username", "[]", "data.auth_username", "a string"},
        {"iscsi", "/auth_password", text(longer(256)), "data.auth_password", "at most 255 bytes"},
        {"iscsi", "/auth_password", text("Tbl5ecretPw\r"), "data.auth_password", "control characters"},
        {"iscsi", "/auth_password", text(std::string("Tbl5ecretPw") + '\0'), "data.auth_password", "control characters"},
        {"iscsi", "/auth_password", R"({"x": 1})", "data.auth_password", "a string"},
        {"iscsi", "/auth_password", "true", "data.auth_password", "a string"},
        // iSCSI other keys
        {"iscsi", "/volume_id", text("vol;reboot"), "data.volume_id", "bad character"},
        {"iscsi", "/volume_id", text("/etc/passwd"), "data.volume_id", "bad character"},
        {"iscsi", "/volume_id", text("vol\n"), "data.volume_id", "bad character"},
        {"iscsi", "/volume_id", text(longer(256)), "data.volume_id", "at most 255 bytes"},
        {"iscsi", "/scsi_wwn", text("36001405`id`"), "data.scsi_wwn", "bad character"},
        {"iscsi", "/scsi_wwn", text(longer(256)), "data.scsi_wwn", "at most 255 bytes"},
        {"iscsi", "/scsi_wwn", "36001405", "data.scsi_wwn", "a string"},
        {"iscsi", "/access_mode", text("rw\n"), "data.access_mode", R"("rw" or "ro")"},
        {"iscsi", "/encrypted", "[]", "data.encrypted", "true or false"},
        {"iscsi", "/target_discovered", "{}", "data.target_discovered", "true or false"},
        // iSCSI mutual and discovery CHAP, iface, transport, discovery method
        {"iscsi_mutual", "/auth_username_in", text("target|x"), "data.auth_username_in", "bad character"},
        {"iscsi_mutual", "/auth_username_in", text(longer(256)), "data.auth_username_in", "at most 255 bytes"},
        {"iscsi_mutual", "/auth_password_in", text("In5ecret\nreboot"), "data.auth_password_in", "control characters"},
        {"iscsi_mutual", "/auth_password_in", "5", "data.auth_password_in", "a string"},
        {"iscsi_mutual", "/discovery_auth_username", text("disc;x"), "data.discovery_auth_username", "bad character"},
        {"iscsi_mutual", "/discovery_auth_username", text("../disc"), "data.discovery_auth_username", "bad character"},
        {"iscsi_mutual", "/discovery_auth_password", text(longer(256)), "data.discovery_auth_password", "at most 255 bytes"},
        {"iscsi_mutual", "/discovery_auth_method", text("chap\n"), "data.discovery_auth_method", "CHAP"},
        {"iscsi_mutual", "/discovery_method", text("sendtargets;x"), "data.discovery_method", "sendtargets"},
        {"iscsi_mutual", "/iface", text("/etc/iscsi/ifaces/x"), "data.iface", "bad character"},
        {"iscsi_mutual", "/iface", text("iser;x"), "data.iface", "bad character"},
        {"iscsi_mutual", "/iface", text(longer(256)), "data.iface", "at most 255 bytes"},
        {"iscsi_mutual", "/iface", "1", "data.iface", "a string"},
        {"iscsi_mutual", "/transport", text("tcp\n"), "data.transport", "iser"},
        {"iscsi_plural", "/target_portals/0", text("198.51.100.7:3260;x"), "data.target_portals[0]", "port"},
        {"iscsi_plural", "/target_portals/1", text("[2001:db8::7%lo]:3260|x"), "data.target_portals[1]", "port"},
        {"iscsi_plural", "/target_portals", R"({"0": "198.51.100.7:3260"})", "data.target_portals", "an array"},
        {"iscsi_plural", "/target_iqns/1", "5", "data.target_iqns[1]", "a string"},
        {"iscsi_plural", "/target_iqns/0", text("iqn.2004-05.net.example:a\n"), "data.target_iqns[0]", "bad character"},
        {"iscsi_plural", "/target_luns/0", R"("-1")", "data.target_luns[0]", "decimal string"},
        {"iscsi_plural", "/target_luns/1", "18446744073709551616", "data.target_luns[1]", "whole number"},
        // FC
        {"fc", "/target_wwns/0", text("50060E8000AB0001\n"), "data.target_wwns[0]", "16 hex digits"},
        {"fc", "/target_wwns/0", text("../../50060E8000AB0001"), "data.target_wwns[0]", "16 hex digits"},
        {"fc", "/target_wwns/0", text(longer(5000)), "data.target_wwns[0]", "16 hex digits"},
        {"fc", "/target_wwn", "[5]", "data.target_wwn[0]", "a string"},
        {"fc", "/target_lun", "18446744073709551616", "data.target_lun", "whole number"},
        {"fc", "/target_lun", "-1", "data.target_lun", "LUN"},
        {"fc", "/target_luns/1", R"("1 ")", "data.target_luns[1]", "decimal string"},
        {"fc", "/initiator_target_map/10000090fa0d0001;x", "[]", "data.initiator_target_map[\"10000090fa0d0001;x\"]", "16 hex digits"},
        {"fc", "/initiator_target_map/10000090fa0d0001/0", text("50060E8000AB0001;x"), "data.initiator_target_map.10000090fa0d0001[0]", "16 hex digits"},
        {"fc", "/addressing_mode", text("SAM2\n"), "data.addressing_mode", "SAM3-flat"},
        // NVMe-oF new format
        {"nvme_new", "/target_nqn", text("nqn.2014-08.org.example:sub`id`"), "data.target_nqn", "bad character"},
        {"nvme_new", "/target_nqn", text("nqn.2014-08.org.example:a/../b"), "data.target_nqn", "bad character"},
        {"nvme_new", "/target_nqn", text("nqn.2014-08.org.example:" + longer(200)), "data.target_nqn", "at most 223 bytes"},
        {"nvme_new", "/target_nqn", text("nqn.2014-08.org.example:sub,transport=rdma"), "data.target_nqn", "bad character"},
        {"nvme_new", "/target_nqn", text("nqn.2014-08.org.example:sub=x"), "data.target_nqn", "bad character"},
        {"nvme_new", "/portals/0/0", text("10.0.0.5;reboot"), "data.portals[0][0]", "DNS name"},
        {"nvme_new", "/portals/0/0", text("10.0.0.5,trsvcid=1"), "data.portals[0][0]", "DNS name"},
        {"nvme_new", "/portals/0/0", text("10.0.0.5\n"), "data.portals[0][0]", "DNS name"},
        {"nvme_new", "/portals/0/0", text("fe80::1%eth0;x"), "data.portals[0][0]", "without a port"},
        {"nvme_new", "/portals/0/0", text(std::string("fe80::1") + '\0' + ",hostnqn=x"), "data.portals[0][0]", "without a port"},
        {"nvme_new", "/portals/0/0", text("/dev/nvme-fabrics"), "data.portals[0][0]", "DNS name"},
        {"nvme_new", "/portals/0/0", text(longer(300)), "data.portals[0][0]", "DNS name"},
        {"nvme_new", "/portals/0/1", "-1", "data.portals[0][1]", "1..65535"},
        {"nvme_new", "/portals/0/1", R"("4420;x")", "data.portals[0][1]", "decimal string"},
        {"nvme_new", "/portals/0/1", "1e10", "data.portals[0][1]", "whole number"},
        {"nvme_new", "/portals/0/1", "18446744073709551616", "data.portals[0][1]", "whole number"},
        {"nvme_new", "/portals/0/2", text("tcp,traddr=x"), "data.portals[0][2]", "RoCEv2"},
        {"nvme_new", "/portals/0", R"({"address": "10.0.0.5"})", "data.portals[0]", "[address, port, transport]"},
        {"nvme_new", "/vol_uuid", text("c20aba21-6ef6-446b-b374-45733b4883ba;x"), "data.vol_uuid", "UUID"},
        {"nvme_new", "/vol_uuid", text("../../c20aba21"), "data.vol_uuid", "UUID"},
        {"nvme_new", "/vol_uuid", "5", "data.vol_uuid", "a string"},
        {"nvme_new", "/volume_nguid", "[]", "data.volume_nguid", "a string"},
        {"nvme_new", "/volume_nguid", text(std::string(32, 'g')), "data.volume_nguid", "NGUID"},
        {"nvme_new", "/ns_id", "4294967295", "data.ns_id", "1..4294967294"},
        {"nvme_new", "/ns_id", "18446744073709551615", "data.ns_id", "1..4294967294"},
        {"nvme_new", "/ns_id", R"("1;x")", "data.ns_id", "decimal string"},
        {"nvme_new", "/ns_id", "[]", "data.ns_id", "an array"},
        {"nvme_new", "/host_nqn", text("nqn.2014-08.org.example:h`id`"), "data.host_nqn", "bad character"},
        {"nvme_new", "/host_nqn", text(longer(300)), "data.host_nqn", "at most 223 bytes"},
        {"nvme_new", "/device_path", text("/dev/nvme0n1;x"), "data.device_path", "bad character"},
        {"nvme_new", "/device_path", text("nvme0n1"), "data.device_path", "absolute path"},
        {"nvme_new", "/device_path", text("/dev/../../etc/shadow"), "data.device_path", "'..'"},
        {"nvme_new", "/device_path", text("/dev/nvme0n1\n"), "data.device_path", "bad character"},
        {"nvme_new", "/device_path", text("/" + longer(5000)), "data.device_path", "at most 4096"},
        {"nvme_new", "/encrypted", R"("false")", "data.encrypted", "true or false"},
        // NVMe-oF old format
        {"nvme_old", "/target_portal", text("10.0.0.5:4420"), "data.target_portal", "without a port"},
        {"nvme_old", "/target_portal", text("[fe80::1"), "data.target_portal", "IPv6"},
        {"nvme_old", "/target_port", R"("99999")", "data.target_port", "1..65535"},
        {"nvme_old", "/target_port", "-4420", "data.target_port", "1..65535"},
        {"nvme_old", "/nqn", "5", "data.nqn", "a string"},
        {"nvme_old", "/nqn", text("nqn.2016-06.io.spdk:cnode1\n"), "data.nqn", "bad character"},
        {"nvme_old", "/transport_type", text("rdma;x"), "data.transport_type", "tcp"},
        {"nvme_old", "/volume_nguid", text("c20aba21;x"), "data.volume_nguid", "NGUID"},
        // NVMe-oF replicas
        {"nvme_replicas", "/alias", text("/dev/md/x"), "data.alias", "bad character"},
        {"nvme_replicas", "/alias", text("md0\n"), "data.alias", "bad character"},
        {"nvme_replicas", "/alias", text(longer(256)), "data.alias", "at most 255 bytes"},
        {"nvme_replicas", "/alias", text(".."), "data.alias", "single path component"},
        {"nvme_replicas", "/replica_count", "-1", "data.replica_count", "1..4294967295"},
        {"nvme_replicas", "/replica_count", "2.0", "data.replica_count", "whole number"},
        {"nvme_replicas", "/replica_count", R"("2;x")", "data.replica_count", "decimal string"},
        {"nvme_replicas", "/volume_replicas/0/target_nqn", text("nqn.2016-06.io.spdk:a;x"), "data.volume_replicas[0].target_nqn", "bad character"},
        {"nvme_replicas", "/volume_replicas/1/portals/0/0", text("$(reboot)"), "data.volume_replicas[1].portals[0][0]", "DNS name"},
        {"nvme_replicas", "/volume_replicas/1/vol_uuid", text("x"), "data.volume_replicas[1].vol_uuid", "UUID"},
        // RBD
        {"rbd", "/name", text("volumes/img`id`"), "data.name", "bad character"},
        {"rbd", "/name", text("volumes/../../etc"), "data.name", "exactly one '/'"},
        {"rbd", "/name", text("/volumes/img"), "data.name", "exactly one '/'"},
        {"rbd", "/name", text("volumes/" + longer(300)), "data.name", "at most 255 bytes"},
        {"rbd", "/hosts/0", text("192.168.122.31;x"), "data.hosts[0]", "DNS name"},
        {"rbd", "/hosts/0", text("[::1]:6789"), "data.hosts[0]", "IPv6"},
        {"rbd", "/hosts/1", text(std::string("[::1") + '\0' + "]"), "data.hosts[1]", "IPv6"},
        {"rbd", "/ports/0", "-1", "data.ports[0]", "1..65535"},
        {"rbd", "/ports/0", R"("99999999999999999999")", "data.ports[0]", "1..65535"},
        {"rbd", "/cluster_name", text("ceph/../x"), "data.cluster_name", "bad character"},
        {"rbd", "/cluster_name", text("/etc/ceph/ceph"), "data.cluster_name", "bad character"},
        {"rbd", "/auth_username", text("/etc/x"), "data.auth_username", "bad character"},
        {"rbd", "/auth_username", text(".."), "data.auth_username", "single path component"},
        {"rbd", "/keyring", text(longer(65537)), "data.keyring", "at most 65536 bytes"},
        {"rbd", "/secret_uuid", text("../x"), "data.secret_uuid", "UUID"},
        {"rbd", "/secret_type", text("ceph\n"), "data.secret_type", "bad character"},
        {"rbd", "/volume_id", text("vol|x"), "data.volume_id", "bad character"},
        // NFS
        {"nfs", "/export", text("172.18.194.100:/var/nfs|x"), "data.export", "bad character"},
        {"nfs", "/export", text("172.18.194.100:/var/nfs\nx"), "data.export", "bad character"},
        {"nfs", "/export", text("172.18.194.100:/var/./nfs"), "data.export", "'..'"},
        {"nfs", "/export", text("$(id):/var/nfs"), "data.export", "DNS name"},
        {"nfs", "/export", text("[fe80::1%eth0;x]:/var/nfs"), "data.export", "IPv6"},
        {"nfs", "/export", text("[2001:db8::1]/var/nfs"), "data.export", "server:/path"},
        {"nfs", "/export", text("172.18.194.100:/" + longer(5000)), "data.export", "at most 4096"},
        {"nfs", "/name", text("/abs"), "data.name", "bad character"},
        {"nfs", "/name", text(longer(256)), "data.name", "at most 255 bytes"},
        {"nfs", "/options", text("-o vers=4 `id`"), "data.options", "bad character"},
        {"nfs", "/options", text("-o vers=4 &"), "data.options", "bad character"},
        {"nfs", "/options", text("-o vers=4\t-o x"), "data.options", "bad character"},
        {"nfs", "/access_mode", "[]", "data.access_mode", R"("rw" or "ro")"},
        // local
        {"local", "/device_path", text("/dev/sda;reboot"), "data.device_path", "bad character"},
        {"local", "/device_path", text("/dev/sda`id`"), "data.device_path", "bad character"},
        {"local", "/device_path", text("/dev/./sda"), "data.device_path", "'..'"},
        {"local", "/device_path", text("/dev/sda/"), "data.device_path", "empty"},
        {"local", "/device_path", text("/" + longer(5000)), "data.device_path", "at most 4096"},
        {"local", "/device_path", "[]", "data.device_path", "a string"},
    };
    // clang-format on
    return out;
}

// Every row of both tables.
inline std::vector<Case> all_cases() {
    const auto hostile = hostile_cases();
    std::vector<Case> out;
    out.reserve(rows.size() + hostile.size());
    for (const auto& row : rows) {
        out.push_back({row.base, row.pointer,
                       row.value == nullptr ? std::nullopt : std::optional<std::string>(row.value),
                       row.field, row.message});
    }
    out.insert(out.end(), hostile.begin(), hostile.end());
    return out;
}

}  // namespace brick::testing::malformed
