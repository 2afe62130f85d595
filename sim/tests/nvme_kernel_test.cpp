// Kernel effects of the NVMe-oF model: /dev/nvme-fabrics writes, controller
// states, namespace heads and hidden path devices, delete_controller, data.
#include <catch2/catch.hpp>
#include <cerrno>

#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

constexpr const char* single_nqn = "nqn.2026-01.org.brickworks:nvmet-single";
constexpr const char* two_nqn = "nqn.2026-01.org.brickworks:two-ports";
constexpr const char* host_nqn =
    "nqn.2014-08.org.nvmexpress:uuid:7313a354-aca1-44e9-957f-3b11b8719809";

std::string options(const std::string& nqn, unsigned port, const std::string& extra = {}) {
    return "nqn=" + nqn + ",transport=tcp,traddr=127.0.0.1,trsvcid=" + std::to_string(port) +
           ",hostnqn=" + host_nqn + ",ctrl_loss_tmo=-1,reconnect_delay=2" + extra;
}

int connect(SimHost& host, const std::string& text) {
    return host.write_file("/dev/nvme-fabrics", text, Duration(10000)).error;
}

std::string attr(SimHost& host, const std::string& path) {
    return host.read_attribute(path).value_or("(missing)");
}

}  // namespace

TEST_CASE("a fabrics connect creates a live controller, the namespace head appears later",
          "[nvme][kernel]") {
    SimHost host(fabric("nvme_single.json"), {.seed = 5});
    REQUIRE(connect(host, options(single_nqn, 4420)) == 0);
    const std::string ctl = "/sys/class/nvme-fabrics/ctl/nvme0";
    CHECK(attr(host, ctl + "/state") == "live");
    CHECK(attr(host, ctl + "/subsysnqn") == single_nqn);
    CHECK(attr(host, ctl + "/transport") == "tcp");
    CHECK(attr(host, ctl + "/address") == "traddr=127.0.0.1,trsvcid=4420,src_addr=127.0.0.1");
    CHECK(attr(host, ctl + "/hostnqn") == host_nqn);
    CHECK(attr(host, "/sys/class/nvme/nvme0/cntlid") == "1");
    CHECK(host.exists("/sys/class/nvme-subsystem/nvme-subsys0/nvme0"));
    // Namespaces come after the connect returned.
    CHECK_FALSE(host.exists("/dev/nvme0n1"));
    host.advance(Duration(1000));
    FileInfo info;
    REQUIRE(host.stat("/dev/nvme0n1", info).ok());
    CHECK(info.type == FileType::block_device);
    CHECK(info.major == 259);
    CHECK(attr(host, "/sys/block/nvme0n1/uuid") == "6b72696b-0000-4000-8000-0000000000a1");
    CHECK(attr(host, "/sys/block/nvme0n1/nguid") == "6b72696b-0000-4000-8000-0000000000a1");
    CHECK(attr(host, "/sys/block/nvme0n1/nsid") == "1");
    CHECK(attr(host, "/sys/block/nvme0n1/size") == "131072");
    std::vector<std::string> names;
    REQUIRE(host.list_dir("/sys/class/nvme-subsystem/nvme-subsys0", names).ok());
    CHECK(std::find(names.begin(), names.end(), "nvme0n1") != names.end());
    // The hidden path device: in /sys/block, with an ANA state, no /dev node.
    CHECK(attr(host, "/sys/block/nvme0c0n1/ana_state") == "optimized");
    CHECK(attr(host, "/sys/class/nvme/nvme0/nvme0c0n1/ana_state") == "optimized");
    CHECK_FALSE(host.exists("/dev/nvme0c0n1"));
    CHECK(host.exists("/dev/disk/by-id/nvme-uuid.6b72696b-0000-4000-8000-0000000000a1"));
    CHECK(host.exists("/dev/disk/by-id/nvme-Linux_brick0000000001_1"));
}

TEST_CASE("fabrics connect errors are the kernel's errnos", "[nvme][kernel]") {
    SimHost host(fabric("nvme_two_ports.json"));
    CHECK(connect(host, options(two_nqn, 4420, ",bogus=1")) == EINVAL);
    CHECK(connect(host, "transport=tcp,traddr=127.0.0.1") == EINVAL);  // no nqn
    CHECK(connect(host, options(two_nqn, 4420, ",reconnect_delay=0")) == EINVAL);
    CHECK(connect(host, options(two_nqn, 4429)) == ECONNREFUSED);  // nobody listens
    CHECK(connect(host, options("nqn.2026-01.org.brickworks:private", 4422)) == EIO);
    CHECK(connect(host, options(two_nqn, 4422)) == EIO);  // not exported on that port
    REQUIRE(connect(host, options(two_nqn, 4420)) == 0);
    CHECK(connect(host, options(two_nqn, 4420)) == EALREADY);
    CHECK(connect(host, options(two_nqn, 4420, ",duplicate_connect")) == 0);
    host.inject({{"fault", "portal_unreachable"}, {"portal", "127.0.0.1:4421"}});
    CHECK(connect(host, options(two_nqn, 4421)) == ECONNREFUSED);
    CHECK(host.model().state().nvme.controllers.size() == 2);
}

TEST_CASE("a controller's timeouts as 6.1 shows them: ctrl_loss_tmo in whole reconnect delays",
          "[nvme][kernel]") {
    SimHost host(fabric("nvme_two_ports.json"));
    // options() asks for ctrl_loss_tmo=-1 and reconnect_delay=2; keep_alive_tmo is 5 unless given.
    REQUIRE(connect(host, options(two_nqn, 4420)) == 0);
    CHECK(attr(host, "/sys/class/nvme/nvme0/ctrl_loss_tmo") == "off");
    CHECK(attr(host, "/sys/class/nvme/nvme0/reconnect_delay") == "2");
    CHECK(attr(host, "/sys/class/nvme/nvme0/kato") == "5");
    // The last value of a key counts; 30 s in 4 s steps is 8 attempts, 32 s.
    REQUIRE(connect(host, options(two_nqn, 4421,
                                  ",ctrl_loss_tmo=30,reconnect_delay=4,keep_alive_tmo=7")) == 0);
    CHECK(attr(host, "/sys/class/nvme/nvme1/ctrl_loss_tmo") == "32");
    CHECK(attr(host, "/sys/class/nvme/nvme1/reconnect_delay") == "4");
    CHECK(attr(host, "/sys/class/nvme/nvme1/kato") == "7");
}

TEST_CASE("native multipath: one head over two controllers; delete_controller returns once gone",
          "[nvme][kernel]") {
    SimHost host(fabric("nvme_two_ports.json"), {.seed = 9});
    REQUIRE(connect(host, options(two_nqn, 4420)) == 0);
    REQUIRE(connect(host, options(two_nqn, 4421)) == 0);
    host.advance(Duration(1000));
    CHECK(host.exists("/dev/nvme0n1"));
    CHECK(host.exists("/dev/nvme0n2"));
    CHECK_FALSE(host.exists("/dev/nvme1n1"));
    CHECK(host.exists("/sys/block/nvme0c0n1"));
    CHECK(host.exists("/sys/block/nvme0c1n1"));
    // ns 2 has an NGUID only: uuid shows it, as 6.1 does.
    CHECK(attr(host, "/sys/block/nvme0n2/uuid") == "6b72696b-0000-4000-8000-0000000000b2");
    REQUIRE(host.write_file("/sys/class/nvme/nvme0/delete_controller", "1", Duration(5000)).ok());
    CHECK_FALSE(host.exists("/sys/class/nvme/nvme0"));
    CHECK(host.exists("/dev/nvme0n1"));  // the head stays with the other path
    CHECK_FALSE(host.exists("/sys/block/nvme0c0n1"));
    REQUIRE(host.write_file("/sys/class/nvme/nvme1/delete_controller", "1", Duration(5000)).ok());
    CHECK_FALSE(host.exists("/dev/nvme0n1"));
    CHECK_FALSE(host.exists("/sys/class/nvme-subsystem/nvme-subsys0"));
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("native multipath off: a namespace device per controller", "[nvme][kernel]") {
    auto f = fabric("nvme_two_ports.json");
    f.host.nvme_core_multipath = "N";
    SimHost host(std::move(f));
    REQUIRE(connect(host, options(two_nqn, 4420)) == 0);
    REQUIRE(connect(host, options(two_nqn, 4421)) == 0);
    host.advance(Duration(1000));
    CHECK(attr(host, "/sys/module/nvme_core/parameters/multipath") == "N");
    CHECK(host.exists("/dev/nvme0n1"));
    CHECK(host.exists("/dev/nvme1n1"));
    CHECK(host.exists("/sys/class/nvme/nvme1/nvme1n1"));
    CHECK_FALSE(host.exists("/sys/block/nvme0c0n1"));
}

TEST_CASE("writes stay in the host cache until flushed; a controller deleted first loses them",
          "[nvme][kernel][data]") {
    SimHost host(fabric("nvme_single.json"));
    REQUIRE(connect(host, options(single_nqn, 4420)) == 0);
    host.advance(Duration(1000));
    REQUIRE(host.write_through("/dev/nvme0n1", 0, "flushed") == 0);
    REQUIRE(run(host, {"blockdev", "--flushbufs", "/dev/nvme0n1"}).exit_status == 0);
    CHECK(host.model().volume_bytes("ns-single", 0, 7) == "flushed");
    REQUIRE(host.write_through("/dev/nvme0n1", 4096, "lost") == 0);
    std::string back;
    REQUIRE(host.read_through("/dev/nvme0n1", 4096, 4, back) == 0);
    CHECK(back == "lost");
    CHECK(run(host, {"blockdev", "--getsize64", "/dev/nvme0n1"}).out == "67108864\n");
    REQUIRE(host.write_file("/sys/class/nvme/nvme0/delete_controller", "1", Duration(5000)).ok());
    CHECK(host.model().lost_blocks("ns-single") == 1);
    CHECK(host.model().volume_bytes("ns-single", 4096, 4) == std::string(4, '\0'));
}

TEST_CASE("NVMe faults: connecting, ANA inaccessible, namespace never and removed",
          "[nvme][kernel][faults]") {
    SimHost host(fabric("nvme_two_ports.json"), {.seed = 3});
    SECTION("controller_connecting: reconnects every reconnect_delay until the port returns") {
        REQUIRE(connect(host, options(two_nqn, 4420)) == 0);
        host.advance(Duration(500));
        REQUIRE(host.write_through("/dev/nvme0n1", 0, "queued") == 0);
        host.inject({{"fault", "controller_connecting"}, {"nqn", two_nqn}, {"recover_ms", 3000}});
        host.advance(Duration(500));
        CHECK(attr(host, "/sys/class/nvme/nvme0/state") == "connecting");
        CHECK(attr(host, "/sys/class/nvme/nvme0/address") == "traddr=127.0.0.1,trsvcid=4420");
        CHECK(connect(host, options(two_nqn, 4420)) == EALREADY);
        CHECK(connect(host, options(two_nqn, 4421)) == EIO);  // unlinked from the port
        std::string out;
        CHECK(host.read_through("/dev/nvme0n1", 4096, 8, out) == ETIMEDOUT);
        CHECK(run(host, {"blockdev", "--flushbufs", "/dev/nvme0n1"}).timed_out);  // I/O queues
        host.advance(Duration(4000));
        CHECK(attr(host, "/sys/class/nvme/nvme0/state") == "live");
        CHECK(run(host, {"blockdev", "--flushbufs", "/dev/nvme0n1"}).exit_status == 0);
        CHECK(host.model().volume_bytes("ns-a", 0, 6) == "queued");
    }
    SECTION("ana_inaccessible on the only path: no head until it is optimized again") {
        host.inject({{"fault", "ana_inaccessible"}, {"portal", "127.0.0.1:4420"}});
        REQUIRE(connect(host, options(two_nqn, 4420)) == 0);
        host.advance(Duration(1000));
        CHECK(attr(host, "/sys/block/nvme0c0n1/ana_state") == "inaccessible");
        CHECK_FALSE(host.exists("/dev/nvme0n1"));
        host.model().nvme_heal(FaultKind::ana_inaccessible, nlohmann::json::object());
        CHECK(host.exists("/dev/nvme0n1"));
    }
    SECTION("device_never: the namespace never shows; namespace_removed takes it away") {
        host.inject({{"fault", "device_never"}, {"nqn", two_nqn}, {"nsid", 2}});
        REQUIRE(connect(host, options(two_nqn, 4420)) == 0);
        host.advance(Duration(2000));
        CHECK(host.exists("/dev/nvme0n1"));
        CHECK_FALSE(host.exists("/dev/nvme0n2"));
        host.inject({{"fault", "namespace_removed"}, {"nqn", two_nqn}, {"nsid", 1}});
        host.advance(Duration(1000));
        CHECK_FALSE(host.exists("/dev/nvme0n1"));
        CHECK(attr(host, "/sys/class/nvme/nvme0/state") == "live");
    }
}
