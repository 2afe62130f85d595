// The validators of brick/properties/common.hpp on well-formed input.

#include <catch2/catch.hpp>

#include "brick/properties/common.hpp"
#include "properties_support.hpp"

using brick::Portal;
using brick::testing::error_of;

TEST_CASE("portals: host:port, [v6]:port, bare hosts", "[properties][portal]") {
    CHECK(brick::parse_portal("f", "10.0.0.1:3260", 0) == Portal{"10.0.0.1", 3260});
    CHECK(brick::parse_portal("f", "10.0.0.1", 3260) == Portal{"10.0.0.1", 3260});
    CHECK(brick::parse_portal("f", "san-a.example.net:3261", 0) ==
          Portal{"san-a.example.net", 3261});
    CHECK(brick::parse_portal("f", "[2001:db8::1]:3260", 0) == Portal{"2001:db8::1", 3260});
    CHECK(brick::parse_portal("f", "[2001:db8::1]", 3260) == Portal{"2001:db8::1", 3260});
    CHECK(brick::parse_portal("f", "[fe80::1%eth0]:3260", 0) == Portal{"fe80::1%eth0", 3260});
    // Unbracketed IPv6: only one reading is valid.
    CHECK(brick::parse_portal("f", "fe80::1", 3260) == Portal{"fe80::1", 3260});
    CHECK(brick::parse_portal("f", "2001:db8:0:0:0:0:0:1:3260", 0) ==
          Portal{"2001:db8:0:0:0:0:0:1", 3260});
    CHECK(error_of([] { brick::parse_portal("f", "2001:db8::1:3260", 0); }));
    CHECK(error_of([] { brick::parse_portal("f", "10.0.0.1", 0); }));

    const Portal v6{"2001:db8::1", 3260};
    CHECK(v6.to_string() == "[2001:db8::1]:3260");
    CHECK(v6.by_path_string() == "2001:db8::1:3260");
    CHECK(Portal{"10.0.0.1", 3260}.to_string() == "10.0.0.1:3260");
}

TEST_CASE("ports and LUNs: numbers or decimal strings", "[properties][number]") {
    CHECK(brick::parse_port("f", 1) == 1);
    CHECK(brick::parse_port("f", "65535") == 65535);
    CHECK(brick::parse_lun("f", 0) == 0);
    CHECK(brick::parse_lun("f", "16384") == 16384);
    CHECK(brick::parse_lun("f", 18446744073709551615ULL) == 18446744073709551615ULL);
    CHECK(brick::parse_lun("f", "18446744073709551615") == 18446744073709551615ULL);
    CHECK(error_of([] { brick::parse_lun("f", "18446744073709551616"); }));
    CHECK(error_of([] { brick::parse_lun("f", nlohmann::json::parse("18446744073709551616")); }));
    CHECK(error_of([] { brick::parse_lun("f", "+1"); }));
    CHECK(error_of([] { brick::parse_lun("f", " 1"); }));
    CHECK(brick::parse_namespace_id("f", "10") == 10);
    CHECK(error_of([] { brick::parse_namespace_id("f", 0xffffffffLL); }));
}

TEST_CASE("iSCSI names: iqn, eui, naa", "[properties][names]") {
    for (const char* name :
         {"iqn.2010-10.org.openstack:volume-6d54cb90-a5d1-40d8-9cb2-c6adf43a02af",
          "iqn.2000-05.com.3pardata:20810002ac00383d",
          "iqn.2004-04.com.qnap:ts-831x:iscsi.cinder-20170531114245.9eff88",
          "iqn.1992-08.com.netapp:sn.0123ABCD:vs.3", "iqn.2001-04.com.example",
          "eui.02004567A425678D", "naa.52004567BA64678D", "naa.6001405abcdef0123456789abcdef012"}) {
        INFO(name);
        CHECK(brick::parse_iscsi_name("f", name) == name);
    }
    for (const char* bad :
         {"IQN.2001-04.com.example:x", "iqn.2001-4.com.example:x", "iqn.2001-00.com.example:x",
          "iqn.2001-04.:x", "iqn.2001-04.com..x", "iqn.2001-04.com.example:", "eui.0200", "naa.123",
          "iqn.2001-04.com.-example:x", "target1"}) {
        INFO(bad);
        CHECK(error_of([&] { brick::parse_iscsi_name("f", bad); }));
    }
}

TEST_CASE("NQNs: strict and as services send them", "[properties][names]") {
    CHECK(brick::parse_nqn(
              "f", "nqn.2014-08.org.nvmexpress:uuid:4c4c4544-0051-3010-8052-b4c04f4e4d32") ==
          "nqn.2014-08.org.nvmexpress:uuid:4c4c4544-0051-3010-8052-b4c04f4e4d32");
    CHECK(brick::parse_nqn("f", "nqn.2016-06.io.spdk:cnode1") == "nqn.2016-06.io.spdk:cnode1");
    CHECK(error_of([] { brick::parse_nqn("f", "nqn.2016-06.io.spdk"); }));
    CHECK(error_of([] { brick::parse_nqn("f", "nqn.nvme-subsystem-1"); }));
    CHECK(error_of([] { brick::parse_nqn("f", "nqn.2014-08.org.nvmexpress:uuid:1234"); }));
    CHECK(error_of([] { brick::parse_nqn("f", "nqn.2016-06.io.spdk:" + std::string(210, 'a')); }));
    // Cinder's LVM target and os-brick's tests send names outside the format.
    CHECK(brick::parse_subsystem_nqn("f", "nqn.nvme-subsystem-1-465ef2fc") ==
          "nqn.nvme-subsystem-1-465ef2fc");
    CHECK(brick::parse_subsystem_nqn("f", "fakenqn1") == "fakenqn1");
    CHECK(error_of([] { brick::parse_subsystem_nqn("f", "nqn.2016-13.io.spdk:x"); }));
}

TEST_CASE("UUIDs, WWNs and NGUIDs are normalised", "[properties][names]") {
    CHECK(brick::parse_uuid("f", "C20ABA21-6EF6-446B-B374-45733B4883BA") ==
          "c20aba21-6ef6-446b-b374-45733b4883ba");
    CHECK(brick::parse_uuid("f", "c20aba216ef6446bb37445733b4883ba") ==
          "c20aba21-6ef6-446b-b374-45733b4883ba");
    CHECK(error_of([] { brick::parse_uuid("f", "c20aba21-6ef6446b-b374-45733b4883ba"); }));
    CHECK(brick::parse_wwn("f", "20210002AC00383D") == "20210002ac00383d");
    CHECK(brick::parse_wwn("f", "0x20210002ac00383d") == "20210002ac00383d");
    CHECK(brick::parse_wwn("f", "20:21:00:02:AC:00:38:3D") == "20210002ac00383d");
    CHECK(error_of([] { brick::parse_wwn("f", "0x20:21:00:02:ac:00:38"); }));
    CHECK(error_of([] { brick::parse_wwn("f", "2021:0002:ac00:383d"); }));
    CHECK(brick::parse_nguid("f", "3F2A9C1E-5B7D-4E08-9A61-0C4D2B8E7F15") ==
          "3f2a9c1e5b7d4e089a610c4d2b8e7f15");
}

TEST_CASE("protocol names: Cinder's and os-brick's, any case", "[properties][protocol]") {
    using brick::Protocol;
    CHECK(brick::parse_protocol("iscsi") == Protocol::iscsi);
    CHECK(brick::parse_protocol("ISCSI") == Protocol::iscsi);
    CHECK(brick::parse_protocol("ISER") == Protocol::iser);
    CHECK(brick::parse_protocol("FIBRE_CHANNEL") == Protocol::fibre_channel);
    CHECK(brick::parse_protocol("NVME") == Protocol::nvmeof);
    CHECK(brick::parse_protocol("NVMeOF") == Protocol::nvmeof);
    CHECK(brick::parse_protocol("RBD") == Protocol::rbd);
    CHECK(brick::parse_protocol("nfs") == Protocol::nfs);
    CHECK(brick::parse_protocol("Local") == Protocol::local);
    CHECK_FALSE(brick::parse_protocol("scaleio"));
    CHECK_FALSE(brick::parse_protocol(""));
    CHECK(brick::protocol_name(Protocol::fibre_channel) == "fibre_channel");
}

TEST_CASE("connection_info envelope", "[properties][protocol]") {
    const nlohmann::json data = {{"device_path", "/dev/vdb"}};
    const nlohmann::json wrapped = {
        {"driver_volume_type", "LOCAL"}, {"data", data}, {"serial", "x"}};
    // NOLINTNEXTLINE(performance-unnecessary-copy-initialization): a snapshot to compare with
    const auto copy = wrapped;
    const auto info = brick::unwrap_connection_info(wrapped, brick::Protocol::local);
    CHECK(info.declared == brick::Protocol::local);
    CHECK(info.data == data);
    CHECK(wrapped == copy);

    const auto bare = brick::unwrap_connection_info(data, brick::Protocol::iscsi);
    CHECK_FALSE(bare.declared);
    CHECK(bare.data == data);

    const auto no_type = brick::unwrap_connection_info({{"data", data}}, std::nullopt);
    CHECK(no_type.data == data);
    const auto any = brick::unwrap_connection_info(wrapped, std::nullopt);
    CHECK(any.declared == brick::Protocol::local);
}
