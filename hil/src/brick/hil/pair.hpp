#pragma once
// Two guests, a target and an initiator, booted together and joined by
// point-to-point links (network.hpp), under one deadline.
//
// Run folder: target/ and initiator/ (each a guest's run folder, as run_guest
// makes it), shared/ (mounted read-write at /pair in both guests: how the two
// jobs meet, hil/guest/pair.sh) and result.json for the pair.
//
// When one QEMU ends, the runner creates shared/<role>.exited so the other job
// can stop waiting for its peer, and gives the other guest `grace` to end; at
// the deadline both are killed. Both QEMUs die with the runner (processes.hpp).

#include <filesystem>

#include "brick/hil/guest.hpp"

namespace brick::hil {

struct PairOptions {
    std::filesystem::path run_dir;
    GuestOptions target;     // job, script, smp, memory; run_dir and links are set by run_pair
    GuestOptions initiator;  // the same
    int links = 1;
    Duration timeout{std::chrono::seconds(600)};  // both boots, one deadline
    Duration grace{std::chrono::seconds(60)};     // the other guest's time after one ended
};

struct PairResult {
    GuestStatus status = GuestStatus::no_result;  // the initiator's, unless the target's is worse
    double wall_seconds = 0;
    GuestResult target;
    GuestResult initiator;
    std::filesystem::path run_dir;
    bool passed() const { return status == GuestStatus::passed; }
};

PairResult run_pair(const Image& image, const PairOptions& options);

}  // namespace brick::hil
