#pragma once
// The scenario of one seed of a sweep: a fabric drawn at random (targets or
// subsystems, portals, CHAP, LUNs or namespaces, volumes that share sessions
// or controllers, multipath, NVMe replicas), a program of connect, write,
// verify, extend and disconnect over several volumes (some steps run
// concurrently), and faults drawn from the simulator's named faults with
// parameters, armed at random interactions. Every step expects "any": the
// invariant checker decides. It ends by healing every fault and a forced
// disconnect of every volume, after which nothing may remain.
//
// The result is an ordinary scenario document (scenarios/schema), so a
// failure's reproducer replays with `brick-lab replay`.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace brick::lab {

struct SweepShape {
    std::string protocol = "iscsi";  // iscsi | nvmeof
    unsigned max_volumes = 4;
    unsigned min_operations = 6;
    unsigned max_operations = 14;
    unsigned max_faults = 3;
    // 0..100: how often a group of operations on distinct volumes runs concurrently.
    unsigned concurrency_percent = 20;
};

// The scenario document of one seed; the same (shape, seed) gives the same document.
nlohmann::json generate_sweep_scenario(const SweepShape& shape, std::uint64_t seed);

// Many independent volumes (one target or subsystem each) connected, written,
// verified and disconnected all at once under random faults.
nlohmann::json generate_concurrent_scenario(const std::string& protocol, unsigned volumes,
                                            std::uint64_t seed);

}  // namespace brick::lab
