// Crash safety, in process: the library dies at interaction K of a connect or
// a disconnect (CrashingHost refuses that interaction and every later one, so
// no cleanup can run), for every K the operation has; then a new library
// instance's disconnect, or connect and disconnect, must leave the host clean
// with the data written before intact, as the invariant checker sees it.
#include <catch2/catch.hpp>

#include "check_fixture.hpp"
#include "sim/check/crash_host.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;
using check::CrashingHost;
using check::HostCrashed;
using check::OperationKind;

namespace {

struct CrashCase {
    std::string name;
    std::string fabric;
    Protocol protocol = Protocol::iscsi;
    nlohmann::json properties;
    ConnectorOptions options;
    std::function<check::VolumeRef(SimHost&)> volume;
};

std::vector<CrashCase> cases() {
    ConnectorOptions multipath;
    multipath.use_multipath = true;
    return {
        {"iSCSI single path with CHAP",
         "single_chap.json",
         Protocol::iscsi,
         chap_volume_properties(1),
         {},
         [](SimHost& host) {
             return iscsi_volume(host, "vol", "vol-1", chap_iqn, 1, {chap_portal});
         }},
        {"iSCSI multipath", "two_portals.json", Protocol::iscsi, multipath_properties(), multipath,
         [](SimHost& host) {
             return iscsi_volume(host, "vol", "vol-mp", mp_iqn, 1,
                                 {"192.168.122.10:3260", "[2001:db8::10]:3260"});
         }},
        {"NVMe-oF native multipath",
         "nvme_two_ports.json",
         Protocol::nvmeof,
         {{"target_nqn", nvme_nqn},
          {"vol_uuid", "6b72696b-0000-4000-8000-0000000000b1"},
          {"portals", {{"127.0.0.1", 4420, "tcp"}, {"127.0.0.1", 4421, "tcp"}}}},
         multipath,
         [](SimHost&) {
             return nvme_volume("vol", "ns-a", {"127.0.0.1:4420", "127.0.0.1:4421"});
         }},
    };
}

constexpr std::uint64_t seed = 21;
const std::string data = "written before the crash";

// Runs the crashing operation as the checker's operation: it ends "failed".
template <typename Body>
bool crash_during(check::Checker& checker, OperationKind kind, Body body) {
    const int id = checker.begin({kind, "vol", false, false, generous_budget_ms});
    try {
        body();
    } catch (const HostCrashed&) {
        checker.end(id, {ErrorCategory::host_error, "crashed", std::nullopt});
        return true;
    }
    checker.end(id, {ErrorCategory::host_error, "did not crash", std::nullopt});
    return false;
}

// The interactions of one uncrashed connect and disconnect.
std::pair<std::uint64_t, std::uint64_t> interactions(const CrashCase& c) {
    SimHost host(fabric(c.fabric), {.seed = seed, .keep_trace = false});
    CrashingHost counting(host, 0);
    auto connector = make_connector(c.protocol, counting, c.options);
    const auto device = connector->connect(c.properties);
    const auto connect = counting.interactions();
    connector->disconnect(c.properties, device, {});
    return {connect, counting.interactions() - connect};
}

}  // namespace

TEST_CASE(
    "crash at every interaction of connect: the next disconnect, or connect and "
    "disconnect, leaves the host clean",
    "[crash]") {
    for (const auto& c : cases()) {
        const auto [connect_steps, disconnect_steps] = interactions(c);
        INFO(c.name << ": " << connect_steps << " interactions in connect");
        REQUIRE(connect_steps > 10);
        for (std::uint64_t k = 1; k <= connect_steps; ++k) {
            for (const bool reconnect : {false, true}) {
                SimHost host(fabric(c.fabric), {.seed = seed, .keep_trace = false});
                check::Checker checker(host, {c.volume(host)});
                {
                    CrashingHost crashing(host, k);
                    auto dying = make_connector(c.protocol, crashing, c.options);
                    REQUIRE(crash_during(checker, OperationKind::connect,
                                         [&] { dying->connect(c.properties); }));
                }
                auto next = make_connector(c.protocol, host, c.options);
                if (reconnect) {
                    const auto device = watched(checker, OperationKind::connect, "vol",
                                                [&] { return next->connect(c.properties); });
                    INFO("crash at " << k << ", then connect: " << describe(checker.findings()));
                    REQUIRE(device);
                    REQUIRE(host.write_through(device->path, 0, data) == 0);
                    checker.wrote("vol", data);
                    watched(checker, OperationKind::disconnect, "vol",
                            [&] { next->disconnect(c.properties, *device, {}); });
                } else {
                    watched(checker, OperationKind::disconnect, "vol",
                            [&] { next->disconnect(c.properties, {}, {}); });
                }
                checker.check_clean("after the crash at interaction " + std::to_string(k));
                INFO("crash at interaction " << k << (reconnect ? ", then connect" : "") << ": "
                                             << describe(checker.findings()));
                REQUIRE(checker.findings().empty());
            }
        }
    }
}

TEST_CASE(
    "crash at every interaction of disconnect: the next disconnect leaves the host clean "
    "and the data on the volume",
    "[crash]") {
    for (const auto& c : cases()) {
        const auto [connect_steps, disconnect_steps] = interactions(c);
        INFO(c.name << ": " << disconnect_steps << " interactions in disconnect");
        REQUIRE(disconnect_steps > 5);
        for (std::uint64_t k = 1; k <= disconnect_steps; ++k) {
            SimHost host(fabric(c.fabric), {.seed = seed, .keep_trace = false});
            check::Checker checker(host, {c.volume(host)});
            auto first = make_connector(c.protocol, host, c.options);
            const auto device = watched(checker, OperationKind::connect, "vol",
                                        [&] { return first->connect(c.properties); });
            REQUIRE(device);
            REQUIRE(host.write_through(device->path, 0, data) == 0);
            checker.wrote("vol", data);
            {
                CrashingHost crashing(host, k);
                auto dying = make_connector(c.protocol, crashing, c.options);
                REQUIRE(crash_during(checker, OperationKind::disconnect,
                                     [&] { dying->disconnect(c.properties, *device, {}); }));
            }
            auto next = make_connector(c.protocol, host, c.options);
            watched(checker, OperationKind::disconnect, "vol",
                    [&] { next->disconnect(c.properties, *device, {}); });
            checker.check_clean("after the crash at interaction " + std::to_string(k));
            INFO("crash at interaction " << k << ": " << describe(checker.findings()));
            REQUIRE(checker.findings().empty());
            for (const auto& id : c.volume(host).backing) {
                CHECK(host.model().volume_bytes(id, 0, data.size()) == data);
            }
        }
    }
}
