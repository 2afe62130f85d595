// Same seed, same trace byte for byte; other seeds interleave differently.
#include <catch2/catch.hpp>
#include <set>

#include "brick/connector/connector.hpp"
#include "sim_fixture.hpp"

using namespace brick;
using namespace brick::sim;
using namespace brick::sim::test;

namespace {

std::string multipath_run(std::uint64_t seed) {
    SimHost host(fabric("two_portals.json"), {.seed = seed});
    ConnectorOptions options;
    options.use_multipath = true;
    auto connector = make_connector(Protocol::iscsi, host, options);
    const auto props = mp_properties();
    const auto device = connector->connect(props);
    connector->disconnect(props, device, {});
    return host.trace_text();
}

// Two tasks append to a shared log at every seam call: the order is the interleaving.
std::string interleaving(std::uint64_t seed) {
    SimHost host(fabric("single_chap.json"), {.seed = seed});
    std::string order;
    auto body = [&](char tag) {
        return [&, tag] {
            for (int i = 0; i < 8; ++i) {
                host.exists("/sys/block/sda");
                order.push_back(tag);
            }
        };
    };
    auto a = host.start_task("a", body('a'));
    auto b = host.start_task("b", body('b'));
    a->join();
    b->join();
    return order;
}

}  // namespace

TEST_CASE("the same seed gives an identical trace", "[determinism]") {
    const auto first = multipath_run(42);
    const auto second = multipath_run(42);
    CHECK(first.size() > 1000);
    CHECK(first == second);
}

TEST_CASE("seeds choose different interleavings, each reproducible", "[determinism]") {
    std::set<std::string> seen;
    for (std::uint64_t seed = 1; seed <= 8; ++seed) {
        const auto order = interleaving(seed);
        CHECK(order == interleaving(seed));
        CHECK(order.size() == 16);
        seen.insert(order);
    }
    CHECK(seen.size() > 1);
}

TEST_CASE("a lock held by one task blocks the other in the scheduler", "[determinism]") {
    SimHost host(fabric("single_chap.json"), {.seed = 5});
    std::string order;
    auto holder = host.start_task("holder", [&] {
        const auto guard = host.lock("iscsi-node:x");
        order += "H";
        host.sleep_for(Duration(100));
        order += "h";
    });
    auto waiter = host.start_task("waiter", [&] {
        host.sleep_for(Duration(10));
        const auto guard = host.lock("iscsi-node:x");
        order += "W";
    });
    holder->join();
    waiter->join();
    CHECK(order == "HhW");
    CHECK(host.now_ms() >= 100);
}

TEST_CASE("shared holders of a lock run together; an exclusive holder runs alone",
          "[determinism]") {
    for (std::uint64_t seed = 1; seed <= 6; ++seed) {
        INFO("seed " << seed);
        SimHost host(fabric("single_chap.json"), {.seed = seed});
        std::vector<std::pair<std::string, std::int64_t>> events;
        const auto note = [&](const std::string& what) {
            events.emplace_back(what, host.now_ms());
        };
        const auto far = [&] { return host.now() + Duration(10000); };
        // Each holder starts after `start` ms, holds the lock for `hold` ms.
        const auto holder = [&](const std::string& name, int start, int hold, bool shared) {
            return host.start_task(name, [&, name, start, hold, shared] {
                host.sleep_for(Duration(start));
                if (!shared) {
                    // Its deadline passes while the shared holders hold it: refused.
                    CHECK(host.lock_until("records", host.now() + Duration(30)) == nullptr);
                }
                const auto guard = shared ? host.lock_shared_until("records", far())
                                          : host.lock_until("records", far());
                REQUIRE(guard != nullptr);
                note(name + " in");
                host.sleep_for(Duration(hold));
                note(name + " out");
            });
        };
        auto first = holder("shared-1", 0, 100, true);
        auto second = holder("shared-2", 10, 100, true);
        auto alone = holder("exclusive", 20, 50, false);
        auto late = holder("shared-late", 150, 0, true);
        first->join();
        second->join();
        alone->join();
        late->join();
        const auto at = [&](const std::string& what) {
            for (const auto& [name, t] : events) {
                if (name == what) {
                    return t;
                }
            }
            FAIL("no " << what);
            return std::int64_t{-1};
        };
        // The second shared holder came in while the first held it.
        CHECK(at("shared-2 in") == 10);
        CHECK(at("shared-2 in") < at("shared-1 out"));
        // The exclusive holder waited for both; the late sharer waited for it.
        CHECK(at("exclusive in") >= at("shared-2 out"));
        CHECK(at("exclusive in") == 110);
        CHECK(at("shared-late in") >= at("exclusive out"));
    }
}

TEST_CASE("twenty seeded CHAP attach and detach runs leave nothing behind", "[determinism]") {
    // Throughput is measured by bench/, against a reference in the same run.
    for (std::uint64_t seed = 100; seed < 120; ++seed) {
        INFO("seed " << seed);
        SimHost host(fabric("single_chap.json"), {.seed = seed});
        auto connector = make_connector(Protocol::iscsi, host, {});
        const nlohmann::json props = {{"target_portal", "192.168.122.10:3260"},
                                      {"target_iqn", chap_iqn},
                                      {"target_lun", 1},
                                      {"auth_method", "CHAP"},
                                      {"auth_username", "chapuser"},
                                      {"auth_password", "chapsecret-7f3a"}};
        const auto device = connector->connect(props);
        CHECK_FALSE(host.model().leftovers().empty());
        connector->disconnect(props, device, {});
        REQUIRE(host.model().leftovers().empty());
    }
}
