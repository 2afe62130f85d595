#include "brick/hil/pair.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "brick/core/error.hpp"
#include "brick/hil/processes.hpp"

namespace brick::hil {
namespace fs = std::filesystem;

namespace {

constexpr int target_role = 1;
constexpr int initiator_role = 2;

// A status's rank: the worse of the two guests decides the pair's.
int severity(GuestStatus status) {
    switch (status) {
        case GuestStatus::passed:
            return 0;
        case GuestStatus::kernel_problem:
            return 1;
        case GuestStatus::failed:
            return 2;
        case GuestStatus::no_result:
            return 3;
        case GuestStatus::timed_out:
            return 4;
    }
    return 4;
}

nlohmann::json guest_summary(const GuestResult& result) {
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& check : result.checks) {
        checks.push_back(
            {{"name", check.name}, {"passed", check.passed}, {"seconds", check.seconds}});
    }
    return {{"status", status_name(result.status)},
            {"job_exit", result.job_exit},
            {"wall_seconds", result.wall_seconds},
            {"guest_uptime_seconds", result.guest_uptime_seconds},
            {"kernel_problems", result.kernel_problems},
            {"qemu_error", result.qemu_error},
            {"checks", checks}};
}

void prepare_pair_dir(const fs::path& run_dir) {
    std::error_code error;
    if (fs::exists(run_dir, error)) {
        const bool previous_run = fs::exists(run_dir / "result.json") ||
                                  fs::exists(run_dir / "shared") ||
                                  fs::exists(run_dir / "initiator" / "console.log");
        if (!previous_run && !fs::is_empty(run_dir, error)) {
            throw Error(ErrorCategory::invalid_properties,
                        "run folder " + run_dir.string() +
                            " exists and is not a HIL run folder; refusing to replace it");
        }
        fs::remove_all(run_dir);
    }
    fs::create_directories(run_dir / "shared");
}

}  // namespace

PairResult run_pair(const Image& image, const PairOptions& options) {
    PairResult result;
    result.run_dir = fs::absolute(options.run_dir);
    if (options.links < 1 || options.links > 4) {
        throw Error(ErrorCategory::invalid_properties,
                    "links: expected 1..4, got " + std::to_string(options.links), "links");
    }
    prepare_pair_dir(result.run_dir);
    const auto shared = result.run_dir / "shared";

    std::vector<Link> links(static_cast<std::size_t>(options.links));
    struct Role {
        const char* name;
        int number;
        GuestOptions options;
        GuestResult* result;
        std::size_t process = 0;
        bool ended = false;
        bool killed = false;  // by the deadline or after the grace period
    };
    std::array<Role, 2> roles{
        Role{"target", target_role, options.target, &result.target},
        Role{"initiator", initiator_role, options.initiator, &result.initiator}};
    for (auto& role : roles) {
        auto& guest = role.options;
        guest.run_dir = result.run_dir / role.name;
        guest.timeout = options.timeout;
        guest.pair_dir = shared;
        guest.links.clear();
        for (int index = 0; index < options.links; ++index) {
            guest.links.push_back(
                {.fd = links.at(index).end(role.number - 1), .mac = link_mac(index, role.number)});
        }
        guest.extra_kernel_args.push_back(std::string("brick.role=") + role.name);
        role.result->run_dir = guest.run_dir;
        prepare_run(guest, guest.run_dir);
    }

    Processes processes;
    const auto started = Clock::now();
    const auto deadline = started + options.timeout;
    for (auto& role : roles) {
        ProcessSpec qemu;
        qemu.argv = qemu_command(image, role.options, role.options.accel);
        qemu.output = role.options.run_dir / "qemu.stderr";
        for (const auto& nic : role.options.links) {
            qemu.inherit.push_back(nic.fd);
        }
        std::ofstream(role.options.run_dir / "qemu.argv")
            << nlohmann::json(qemu.argv).dump(1) << '\n';
        role.process = processes.start(qemu);
    }

    // Until both have ended: the first to end tells the other through the shared
    // folder and starts the other's grace period.
    auto until = deadline;
    while (!(roles[0].ended && roles[1].ended)) {
        processes.wait_until(until, [&] {
            for (auto& role : roles) {
                if (!role.ended && !processes.running(role.process)) {
                    return true;
                }
            }
            return false;
        });
        bool any_ended = false;
        for (auto& role : roles) {
            if (!role.ended && !processes.running(role.process)) {
                role.ended = true;
                any_ended = true;
                role.result->wall_seconds =
                    std::chrono::duration<double>(Clock::now() - started).count();
                std::ofstream(shared / (std::string(role.name) + ".exited"))
                    << processes.exit_status(role.process) << '\n';
                until = std::min(deadline, Clock::now() + options.grace);
            }
        }
        if (!any_ended && Clock::now() >= until) {
            for (auto& role : roles) {
                if (!role.ended) {
                    processes.kill_group(role.process);
                    role.ended = true;
                    role.killed = true;
                    role.result->wall_seconds =
                        std::chrono::duration<double>(Clock::now() - started).count();
                }
            }
        }
    }
    result.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();

    for (auto& role : roles) {
        const auto output = role.options.run_dir / "qemu.stderr";
        std::ifstream in(output);
        const std::string text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        if (text.empty()) {
            fs::remove(output);
        } else if (processes.exit_status(role.process) != 0) {
            role.result->qemu_error = text;
        }
        collect_result(*role.result, image, role.options, role.killed);
    }
    result.status = severity(result.target.status) > severity(result.initiator.status)
                        ? result.target.status
                        : result.initiator.status;

    const nlohmann::json summary = {
        {"status", status_name(result.status)},
        {"topology", "pair"},
        {"links", options.links},
        {"wall_seconds", result.wall_seconds},
        {"kernel_release", image.kernel_release},
        {"target", guest_summary(result.target)},
        {"initiator", guest_summary(result.initiator)},
    };
    std::ofstream(result.run_dir / "result.json") << summary.dump(2) << '\n';
    return result;
}

}  // namespace brick::hil
