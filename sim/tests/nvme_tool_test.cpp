// The fake nvme and mdadm against the golden outputs of the real tools
// (hil/golden/nvme, captured in a guest with nvme-cli 2.3 and nvmet on 6.1)
// and against the model.
#include <catch2/catch.hpp>

#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

constexpr const char* nqn = "nqn.2026-01.org.brickworks:nvmet-single";

std::string golden(const std::string& name) {
    auto text = golden_file("nvme", name);
    REQUIRE(!text.empty());
    return text;
}

CommandResult nvme_connect(SimHost& host) {
    return run(host, {"nvme", "connect", "-t", "tcp", "-a", "127.0.0.1", "-s", "4420", "-n", nqn});
}

}  // namespace

TEST_CASE("nvme list and list-subsys match the golden outputs", "[nvme][tools][golden]") {
    SimHost host(fabric("nvme_single.json"));
    CHECK(run(host, {"nvme", "list", "-o", "json"}).out == golden("list-none-json.txt"));
    CHECK(run(host, {"nvme", "list-subsys", "-o", "json"}).out ==
          golden("list-subsys-none-json.txt"));
    REQUIRE(nvme_connect(host).exit_status == 0);
    host.advance(Duration(1000));
    CHECK(run(host, {"nvme", "list", "-o", "json"}).out == golden("list-json.txt"));
    CHECK(run(host, {"nvme", "list"}).out == golden("list.txt"));
    CHECK(run(host, {"nvme", "list-subsys", "-o", "json"}).out == golden("list-subsys-json.txt"));
    CHECK(run(host, {"nvme", "list-subsys"}).out == golden("list-subsys.txt"));
    CHECK(run(host, {"nvme", "list-subsys", "/dev/nvme0n1", "-o", "json"}).out ==
          golden("list-subsys-ns-json.txt"));
    const auto again = nvme_connect(host);
    CHECK(again.exit_status == 1);
    CHECK(again.err == "already connected\n");
    const auto gone = run(host, {"nvme", "disconnect", "-n", nqn});
    CHECK(gone.out == "NQN:" + std::string(nqn) + " disconnected 1 controller(s)\n");
    CHECK(run(host, {"nvme", "list-subsys", "-o", "json"}).out ==
          golden("list-subsys-none-json.txt"));
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("nvme list-subsys in the connecting and ANA inaccessible states",
          "[nvme][tools][golden]") {
    SimHost host(fabric("nvme_single.json"));
    REQUIRE(run(host, {"nvme", "connect", "-t", "tcp", "-a", "127.0.0.1", "-s", "4420", "-n", nqn,
                       "--reconnect-delay=1", "--ctrl-loss-tmo=60"})
                .exit_status == 0);
    host.advance(Duration(1000));
    host.inject({{"fault", "ana_inaccessible"}, {"nqn", nqn}});
    host.advance(Duration(100));
    CHECK(run(host, {"nvme", "list-subsys", "-o", "json"}).out ==
          golden("list-subsys-ana-inaccessible-json.txt"));
    CHECK(run(host, {"nvme", "list-subsys", "/dev/nvme0n1"}).out ==
          golden("list-subsys-ana-inaccessible.txt"));
    CHECK(host.read_attribute("/sys/class/nvme/nvme0/nvme0c0n1/ana_state") == "inaccessible");
    host.model().nvme_heal(FaultKind::ana_inaccessible, nlohmann::json::object());
    host.inject({{"fault", "controller_connecting"}, {"nqn", nqn}});
    host.advance(Duration(500));
    CHECK(run(host, {"nvme", "list-subsys", "-o", "json"}).out ==
          golden("list-subsys-connecting-json.txt"));
    // ctrl_loss_tmo 60: the kernel gives the controller up after a minute.
    host.advance(Duration(61000));
    CHECK_FALSE(host.exists("/sys/class/nvme/nvme0"));
}

TEST_CASE("nvme discover matches the golden outputs", "[nvme][tools][golden]") {
    SimHost host(fabric("nvme_single.json"));
    CHECK(run(host, {"nvme", "discover", "-t", "tcp", "-a", "127.0.0.1", "-s", "4420"}).out ==
          golden("discover.txt"));
    CHECK(
        run(host, {"nvme", "discover", "-t", "tcp", "-a", "127.0.0.1", "-s", "4420", "-o", "json"})
            .out == golden("discover-json.txt"));
    CHECK(
        run(host, {"nvme", "discover", "-t", "tcp", "-a", "127.0.0.1", "-s", "4499"}).exit_status ==
        1);
}

TEST_CASE("nvme 1.16 JSON shapes, show-hostnqn, id-ns, disconnect -d", "[nvme][tools]") {
    auto f = fabric("nvme_single.json");
    f.nvme_host.cli_version = "1.16";
    SimHost host(std::move(f));
    CHECK(run(host, {"nvme", "show-hostnqn"}).out ==
          "nqn.2014-08.org.nvmexpress:uuid:7313a354-aca1-44e9-957f-3b11b8719809\n");
    REQUIRE(nvme_connect(host).exit_status == 0);
    host.advance(Duration(1000));
    const auto subsys = nlohmann::json::parse(run(host, {"nvme", "list-subsys", "-o", "json"}).out);
    REQUIRE(subsys["Subsystems"].size() == 2);
    CHECK(subsys["Subsystems"][0]["NQN"] == nqn);
    CHECK(subsys["Subsystems"][1]["Paths"][0]["Name"] == "nvme0");
    const auto list = nlohmann::json::parse(run(host, {"nvme", "list", "-o", "json"}).out);
    CHECK(list["Devices"][0]["Index"] == 0);
    const auto ns =
        nlohmann::json::parse(run(host, {"nvme", "id-ns", "/dev/nvme0n1", "-o", "json"}).out);
    CHECK(ns["nsze"] == 16384);
    CHECK(ns["nguid"] == "6b72696b0000400080000000000000a1");
    CHECK(run(host, {"nvme", "disconnect", "-d", "/dev/nvme0"}).exit_status == 0);
    CHECK(run(host, {"nvme", "disconnect", "-d", "nvme0"}).exit_status == 1);
    CHECK(host.model().leftovers().empty());
}

TEST_CASE("mdadm creates, stops, examines and assembles a RAID1 over namespaces",
          "[nvme][tools][md]") {
    SimHost host(fabric("nvme_two_ports.json"));
    const auto options = [](unsigned port) {
        return "nqn=nqn.2026-01.org.brickworks:two-ports,transport=tcp,traddr=127.0.0.1,trsvcid=" +
               std::to_string(port);
    };
    REQUIRE(host.write_file("/dev/nvme-fabrics", options(4420), Duration(5000)).ok());
    host.advance(Duration(1000));
    CHECK(run(host, {"mdadm", "--examine", "/dev/nvme0n1"}).exit_status == 1);
    REQUIRE(run(host, {"mdadm", "--create", "/dev/md/mirror", "--run", "--level=1",
                       "--raid-devices=3", "--bitmap=internal", "--homehost=any", "--failfast",
                       "--assume-clean", "/dev/nvme0n1", "/dev/nvme0n2", "missing"})
                .exit_status == 0);
    CHECK(host.read_attribute("/sys/block/md127/md/degraded") == "1");
    std::string target;
    REQUIRE(host.read_link("/dev/md/mirror", target).ok());
    CHECK(target == "../md127");
    REQUIRE(host.write_through("/dev/md/mirror", 0, "mirrored") == 0);
    REQUIRE(run(host, {"mdadm", "--stop", "/dev/md/mirror"}).exit_status == 0);
    CHECK(host.model().volume_bytes("ns-a", 0, 8) == "mirrored");
    CHECK(host.model().volume_bytes("ns-b", 0, 8) == "mirrored");
    CHECK(run(host, {"mdadm", "--examine", "/dev/nvme0n1"}).exit_status == 0);
    REQUIRE(
        run(host, {"mdadm", "--assemble", "--run", "/dev/md/mirror", "/dev/nvme0n2"}).exit_status ==
        0);
    std::string back;
    REQUIRE(host.read_through("/dev/md/mirror", 0, 8, back) == 0);
    CHECK(back == "mirrored");
    CHECK(run(host, {"mdadm", "--stop", "/dev/md/mirror"}).exit_status == 0);
}
