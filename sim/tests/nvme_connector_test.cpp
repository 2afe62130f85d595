// libbrick's NVMe-oF connector, unmodified, against the simulated host.
#include <catch2/catch.hpp>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "brick/nvmeof/controller.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

constexpr const char* two_nqn = "nqn.2026-01.org.brickworks:two-ports";

nlohmann::json new_format(const std::string& uuid, bool both_portals = false) {
    nlohmann::json portals = {{"127.0.0.1", 4420, "tcp"}};
    if (both_portals) {
        portals.push_back({"127.0.0.1", 4421, "tcp"});
    }
    return {{"target_nqn", two_nqn}, {"vol_uuid", uuid}, {"portals", portals}};
}

constexpr const char* uuid_a = "6b72696b-0000-4000-8000-0000000000b1";

}  // namespace

TEST_CASE("NVMe/TCP attach and detach (new format), data flushed, nothing left",
          "[nvme][connector]") {
    SimHost host(fabric("nvme_two_ports.json"), {.seed = 4});
    auto connector = make_connector(Protocol::nvmeof, host, {});
    const auto device = connector->connect(new_format(uuid_a));
    CHECK(device.path == "/dev/nvme0n1");
    CHECK(host.model().state().nvme.controllers.size() == 1);
    REQUIRE(host.write_through(device.path, 0, "through nvme") == 0);
    connector->disconnect(new_format(uuid_a), device, {});
    CHECK(host.model().leftovers().empty());
    CHECK(host.model().volume_bytes("ns-a", 0, 12) == "through nvme");
    CHECK(host.model().lost_blocks("ns-a") == 0);
    // Idempotent.
    connector->disconnect(new_format(uuid_a), device, {});
}

TEST_CASE("old format finds the namespace by NGUID and NSID", "[nvme][connector]") {
    SimHost host(fabric("nvme_two_ports.json"));
    auto connector = make_connector(Protocol::nvmeof, host, {});
    const nlohmann::json old{
        {"nqn", two_nqn},      {"target_portal", "127.0.0.1"},
        {"target_port", 4420}, {"transport_type", "tcp"},
        {"ns_id", "2"},        {"volume_nguid", "6b72696b0000400080000000000000b2"}};
    const auto device = connector->connect(old);
    CHECK(device.path == "/dev/nvme0n2");
    connector->disconnect(old, device, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("native multipath: every portal connected, one head; a second namespace keeps them",
          "[nvme][connector][multipath]") {
    SimHost host(fabric("nvme_two_ports.json"), {.seed = 8});
    ConnectorOptions options;
    options.use_multipath = true;
    auto connector = make_connector(Protocol::nvmeof, host, options);
    const auto first = connector->connect(new_format(uuid_a, true));
    CHECK(first.path == "/dev/nvme0n1");
    CHECK(host.model().state().nvme.controllers.size() == 2);
    auto second_props = new_format("", true);
    second_props.erase("vol_uuid");
    second_props["volume_nguid"] = "6b72696b0000400080000000000000b2";
    const auto second = connector->connect(second_props);
    CHECK(second.path == "/dev/nvme0n2");
    connector->disconnect(new_format(uuid_a, true), first, {});
    CHECK(host.model().state().nvme.controllers.size() == 2);  // kept for the second
    connector->disconnect(second_props, second, {});
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("a failed attach deletes the controllers it created", "[nvme][connector][faults]") {
    SimHost host(fabric("nvme_two_ports.json"));
    ConnectorOptions options;
    options.use_multipath = true;
    options.device_timeout = Duration(3000);
    auto connector = make_connector(Protocol::nvmeof, host, options);
    host.inject({{"fault", "device_never"}, {"nqn", two_nqn}});
    try {
        connector->connect(new_format(uuid_a, true));
        FAIL("connected");
    } catch (const Error& e) {
        CHECK(e.category() == ErrorCategory::device_not_found);
    }
    CHECK(host.model().leftovers().empty());
    CHECK(host.now_ms() < 5000);
}

TEST_CASE("a wrong namespace identity is never returned", "[nvme][connector]") {
    SimHost host(fabric("nvme_two_ports.json"));
    ConnectorOptions options;
    options.device_timeout = Duration(2000);
    auto connector = make_connector(Protocol::nvmeof, host, options);
    auto props = new_format(uuid_a);
    props["ns_id"] = 2;  // the UUID is namespace 1's
    CHECK_THROWS_AS(connector->connect(props), Error);
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("controllers are matched by address fields, not the whole string (6.1's src_addr)",
          "[nvme][connector]") {
    using brick::nvmeof::Controller;
    using brick::nvmeof::parse_address;
    using brick::nvmeof::TargetPortal;
    Controller c;
    c.subsystem_nqn = two_nqn;
    c.transport = "tcp";
    c.state = "live";
    c.host_nqn = "nqn.2014-08.org.nvmexpress:uuid:7313a354-aca1-44e9-957f-3b11b8719809";
    // What os-brick 6.1 compares against "traddr=127.0.0.1,trsvcid=4420" and never matches.
    c.address = parse_address("traddr=127.0.0.1,trsvcid=4420,src_addr=127.0.0.1\n");
    const TargetPortal portal{"127.0.0.1", 4420, brick::nvmeof::Transport::tcp};
    CHECK(c.matches(two_nqn, portal, c.host_nqn));
    CHECK(c.matches(two_nqn, portal, ""));
    CHECK_FALSE(c.matches(two_nqn, portal, "nqn.2014-08.org.nvmexpress:uuid:other"));
    CHECK_FALSE(c.matches(two_nqn, {"127.0.0.1", 4421, brick::nvmeof::Transport::tcp}, ""));
    CHECK_FALSE(c.matches(two_nqn, {"127.0.0.1", 4420, brick::nvmeof::Transport::rdma}, ""));
    c.address = parse_address("traddr=127.0.0.1,trsvcid=4420,host_traddr=127.0.0.2");
    CHECK(c.matches(two_nqn, portal, ""));
    c.address = parse_address("traddr=::1,trsvcid=4420");
    CHECK(c.matches(two_nqn, {"::1", 4420, brick::nvmeof::Transport::tcp}, ""));
    c.state = "deleting";
    CHECK_FALSE(c.matches(two_nqn, {"::1", 4420, brick::nvmeof::Transport::tcp}, ""));
}

TEST_CASE("the controller timeouts of the options reach the kernel, shown as 6.1 shows them",
          "[nvme][connector]") {
    SimHost host(fabric("nvme_two_ports.json"), {.seed = 6});
    const auto sysfs = [&](const std::string& attribute) {
        const auto& controller = host.model().state().nvme.controllers.begin()->second;
        return host.read_attribute("/sys/class/nvme/" + controller.name() + "/" + attribute)
            .value_or("(missing)");
    };
    SECTION("the defaults: never give up, 10 s between attempts, 5 s keep-alive") {
        auto connector = make_connector(Protocol::nvmeof, host, {});
        const auto device = connector->connect(new_format(uuid_a));
        CHECK(sysfs("ctrl_loss_tmo") == "off");
        CHECK(sysfs("reconnect_delay") == "10");
        CHECK(sysfs("kato") == "5");
        connector->disconnect(new_format(uuid_a), device, {});
    }
    SECTION("other values; ctrl_loss_tmo reads back rounded up to whole reconnect delays") {
        ConnectorOptions options;
        options.nvme_ctrl_loss_tmo = 30;
        options.nvme_reconnect_delay = 4;
        options.nvme_keep_alive_tmo = 7;
        auto connector = make_connector(Protocol::nvmeof, host, options);
        const auto device = connector->connect(new_format(uuid_a));
        const auto& controller = host.model().state().nvme.controllers.begin()->second;
        CHECK(controller.ctrl_loss_tmo == 30);
        CHECK(controller.reconnect_delay == 4);
        CHECK(controller.keep_alive_tmo == 7);
        CHECK(sysfs("ctrl_loss_tmo") == "32");
        CHECK(sysfs("reconnect_delay") == "4");
        CHECK(sysfs("kato") == "7");
        connector->disconnect(new_format(uuid_a), device, {});
    }
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("controller timeouts out of range are refused naming the option, before any connect",
          "[nvme][connector]") {
    SimHost host(fabric("nvme_two_ports.json"));
    const auto refused = [&](const ConnectorOptions& options) -> std::string {
        try {
            make_connector(Protocol::nvmeof, host, options);
        } catch (const Error& e) {
            CHECK(e.category() == ErrorCategory::invalid_properties);
            return e.field();
        }
        return "(accepted)";
    };
    ConnectorOptions options;
    options.nvme_ctrl_loss_tmo = -2;
    CHECK(refused(options) == "nvme_ctrl_loss_tmo");
    options = {};
    options.nvme_reconnect_delay = 0;
    CHECK(refused(options) == "nvme_reconnect_delay");
    options = {};
    options.nvme_keep_alive_tmo = 0;
    CHECK(refused(options) == "nvme_keep_alive_tmo");
    options.nvme_keep_alive_tmo = 4294968;  // its milliseconds overflow the Connect command's field
    CHECK(refused(options) == "nvme_keep_alive_tmo");
    options = {};
    options.nvme_ctrl_loss_tmo = 0;
    options.nvme_reconnect_delay = 1;
    options.nvme_keep_alive_tmo = 4294967;
    CHECK(refused(options) == "(accepted)");
    CHECK(host.model().state().nvme.controllers.empty());
}

TEST_CASE(
    "native multipath off (nvme_core.multipath=N): one portal, and enforced multipath refused",
    "[nvme][connector][multipath]") {
    auto f = fabric("nvme_two_ports.json");
    f.host.nvme_core_multipath = "N";
    SimHost host(std::move(f), {.seed = 12});
    ConnectorOptions options;
    options.use_multipath = true;
    SECTION("one controller, through the first portal, its own namespace device") {
        auto connector = make_connector(Protocol::nvmeof, host, options);
        const auto device = connector->connect(new_format(uuid_a, true));
        CHECK(device.path == "/dev/nvme0n1");
        REQUIRE(host.model().state().nvme.controllers.size() == 1);
        CHECK(host.model().state().nvme.controllers.begin()->second.trsvcid == 4420);
        REQUIRE(host.write_through(device.path, 0, "one portal") == 0);
        connector->disconnect(new_format(uuid_a, true), device, {});
        CHECK(host.model().volume_bytes("ns-a", 0, 10) == "one portal");
    }
    SECTION("the first portal refusing: the next one") {
        host.inject({{"fault", "portal_unreachable"}, {"portal", "127.0.0.1:4420"}});
        auto connector = make_connector(Protocol::nvmeof, host, options);
        const auto device = connector->connect(new_format(uuid_a, true));
        REQUIRE(host.model().state().nvme.controllers.size() == 1);
        CHECK(host.model().state().nvme.controllers.begin()->second.trsvcid == 4421);
        connector->disconnect(new_format(uuid_a, true), device, {});
    }
    SECTION("multipath enforced: not_supported before anything is connected") {
        options.enforce_multipath = true;
        auto connector = make_connector(Protocol::nvmeof, host, options);
        try {
            connector->connect(new_format(uuid_a, true));
            FAIL("connected");
        } catch (const Error& e) {
            CHECK(e.category() == ErrorCategory::not_supported);
        }
        CHECK(host.model().state().nvme.controllers.empty());
    }
    CHECK(host.model().leftovers().empty());
}
