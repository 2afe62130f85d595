// Running scenarios inside a QEMU guest: the runner writes a guest job that
// starts the initiator daemons and runs `brick-lab run --backend real` on the
// scenario files with the project's build, boots the guest (hil/), and reads
// the results and traces back from the job folder.

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "backends.hpp"
#include "brick/core/error.hpp"
#include "brick/hil/guest.hpp"
#include "brick/hil/image.hpp"
#include "certify/guest.hpp"
#include "report.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

// The guest cluster's fsid: fixed, so its traces compare between runs.
constexpr const char* ceph_fsid = "6b72696b-0000-4000-8000-00000000cef0";

// A pool, user or key goes into the guest job's bash text: letters, digits and
// the few marks cephx names and base64 use only, so nothing is interpreted.
std::string ceph_word(const std::string& field, const std::string& value) {
    const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' ||
               c == '-' || c == '+' || c == '/' || c == '=';
    });
    if (!plain) {
        throw Error(ErrorCategory::invalid_properties,
                    field + ": expected letters, digits and . _ - + / = only, got '" + value + "'");
    }
    return "'" + value + "'";
}

// The Ceph cluster's pools and cephx users, declared before it starts
// (hil/guest/ceph.sh): every scenario's in the job, one key per user.
std::string ceph_declarations(const std::vector<Scenario>& scenarios) {
    std::map<std::string, std::string> users;
    std::set<std::string> pools;
    for (const auto& scenario : scenarios) {
        if (!scenario.fabric.rbd) {
            continue;
        }
        for (const auto& [user, key] : scenario.fabric.rbd->users) {
            const auto [it, added] = users.emplace(user, key);
            if (!added && it->second != key) {
                throw Error(ErrorCategory::invalid_properties,
                            "fabric.rbd.users." + user + ": scenario " + scenario.name +
                                " gives it another key than an earlier one; one cluster "
                                "serves all scenarios of a run, so a user needs one key");
            }
        }
        for (const auto& image : scenario.fabric.rbd->images) {
            pools.insert(image.pool);
        }
    }
    std::string text = "source /brick/src/hil/guest/ceph.sh\n";
    for (const auto& [user, key] : users) {
        text += "ceph_add_user " + ceph_word("fabric.rbd.users", user) + " " +
                ceph_word("fabric.rbd.users." + user, key) + "\n";
    }
    for (const auto& pool : pools) {
        text += "ceph_add_pool " + ceph_word("fabric.rbd.images[].pool", pool) + "\n";
    }
    return text;
}

// Kernel modules and daemons each target kind needs in the guest.
std::string guest_setup(const std::string& target, bool multipath, bool rdma) {
    std::string modules =
        "configfs target_core_mod target_core_file iscsi_target_mod "
        "scsi_transport_iscsi iscsi_tcp sd_mod";
    if (target == "nvmet") {
        modules = "configfs nvme-core nvme-fabrics nvme-tcp nvmet nvmet-tcp";
        if (rdma) {
            // Soft-RoCE on a dummy device (lab/targets/soft_roce.hpp).
            modules += " dummy rdma_rxe nvme-rdma nvmet-rdma";
        }
    }
    // dm-crypt for encrypted volumes, whatever the target.
    modules += " dm_mod dm_crypt";
    if (target == "nfsd") {
        return "setup() {\n    load_modules " + modules +
               " nfsd nfs nfsv3 nfsv4\n    start_udevd\n    start_nfs_server\n}\n";
    }
    if (target == "loop") {
        return "setup() {\n    load_modules " + modules + " loop\n    start_udevd\n}\n";
    }
    if (target == "ceph") {
        return "setup() {\n    load_modules " + modules +
               " rbd\n    start_udevd\n    ceph_cluster_start " + ceph_fsid + "\n}\n";
    }
    if (multipath) {
        modules += " dm_multipath dm_round_robin dm_service_time scsi_dh_alua";
    }
    if (target == "lio") {
        // A LUN a scenario grows is a loop device (lab/targets/lio.hpp).
        modules += " loop";
    }
    std::string text = "setup() {\n    load_modules " + modules + "\n";
    text += "    start_dbus\n    start_udevd\n";
    if (target != "nvmet") {
        text += "    start_iscsid\n";
    }
    if (multipath) {
        text += "    start_multipathd\n";
    }
    if (target == "tgt") {
        // tgtd in its own session on the first portal; the tgt driver adds others.
        text +=
            "    setsid tgtd -f --iscsi portal=127.0.0.1:3260 </dev/null >>\"$JOB/tgtd.log\" 2>&1 "
            "&\n"
            "    wait_until 10 tgtadm --lld iscsi --op show --mode target\n";
    }
    return text + "}\n";
}

std::string job_script(const std::string& target, const std::vector<std::uint64_t>& seeds,
                       bool multipath, bool rdma, const std::vector<Scenario>& scenarios,
                       const GuestCertification* certification) {
    std::string seed_args =
        "--seed " + std::to_string(seeds.front()) + " --repeat " + std::to_string(seeds.size());
    std::string text =
        "# Scenario run on real kernels: generated by `brick-lab run --backend hil`.\n"
        "source /brick/src/hil/guest/lib.sh\n" +
        (target == "ceph" ? ceph_declarations(scenarios) : std::string()) +
        guest_setup(target, multipath, rdma) +
        "scenarios() {\n"
        "    /brick/build/lab/brick-lab run /job/scenarios --backend real --target " +
        target + " " + seed_args +
        " --report /job/report --junit /job/report/junit.xml\n"
        "}\n"
        "check setup setup\n" +
        std::string(scenarios.empty() ? "" : "check scenarios scenarios\n") +
        (certification == nullptr ? std::string()
                                  : certify::certify_job_steps(certification->backend)) +
        std::string(target == "ceph" ? "check ceph-stop ceph_cluster_stop\n" : "") + "finish\n";
    return text;
}

ScenarioResult result_from_json(const nlohmann::json& value) {
    ScenarioResult r;
    r.scenario = value.value("scenario", "");
    r.file = value.value("file", "");
    r.backend = "hil:" + value.value("backend", "");
    r.seed = value.value("seed", std::uint64_t{0});
    const auto status = value.value("status", "failed");
    r.status = status == "passed"    ? Status::passed
               : status == "skipped" ? Status::skipped
                                     : Status::failed;
    r.reason = value.value("reason", "");
    r.duration_ms = value.value("duration_ms", std::int64_t{0});
    r.wall_seconds = value.value("wall_seconds", 0.0);
    r.trace_file = value.value("trace", "");
    for (const auto& s : value.value("steps", nlohmann::json::array())) {
        r.steps.push_back(StepResult{
            s.value("step", ""), s.value("expected", ""), s.value("actual", ""),
            s.value("message", ""), s.value("duration_ms", std::int64_t{0}),
            s.value("passed", false), s.value("violations", std::vector<nlohmann::json>{})});
    }
    return r;
}

}  // namespace

std::vector<ScenarioResult> run_in_guest(const std::vector<fs::path>& files,
                                         const std::string& target,
                                         const std::vector<std::uint64_t>& seeds,
                                         const fs::path& report_dir,
                                         GuestCertification* certification) {
    const auto job = report_dir / ("guest-job-" + target);
    fs::remove_all(job);
    fs::create_directories(job / "scenarios");
    bool multipath = false;
    bool rdma = false;
    std::vector<Scenario> scenarios;
    for (const auto& file : files) {
        // Loading refuses a broken file before booting.
        const auto& scenario = scenarios.emplace_back(load_scenario(file));
        rdma = rdma || scenario.fabric.uses_rdma();
        for (const auto& [name, volume] : scenario.volumes) {
            multipath = multipath || volume.multipath;
        }
        fs::copy_file(file, job / "scenarios" / file.filename(),
                      fs::copy_options::overwrite_existing);
    }
    if (certification != nullptr) {
        certify::require_shared_with_guest(certification->backend);
    }
    std::ofstream(job / "job.sh") << job_script(target, seeds, multipath, rdma, scenarios,
                                                certification);

    hil::ImageOptions image_options;
    image_options.source_dir = BRICK_SOURCE_DIR;
    const auto image = hil::ensure_image(image_options);
    hil::GuestOptions options;
    options.job = job;
    options.run_dir = report_dir / ("guest-" + target);
    options.source_dir = BRICK_SOURCE_DIR;
    options.build_dir = BRICK_BUILD_DIR;
    options.timeout =
        std::chrono::seconds(240 + 120 * static_cast<long>(files.size() * seeds.size()));
    if (certification != nullptr) {
        options.timeout += std::chrono::seconds(certification->backend.guest_timeout_seconds);
        options.memory_mb = std::max(options.memory_mb, 1536);  // as `brick-lab certify`'s guest
    }
    const auto guest = hil::run_guest(image, options);
    if (certification != nullptr) {
        certification->result = certify::result_from_guest(
            certification->backend, guest, guest.run_dir / certify::guest_certify_dir, "", "",
            certification->rerun);
    }

    std::vector<ScenarioResult> results;
    const auto results_file = guest.run_dir / "report" / "results.json";
    std::ifstream in(results_file);
    if (in) {
        const auto all = nlohmann::json::parse(in, nullptr, false);
        for (const auto& value : all.is_array() ? all : nlohmann::json::array()) {
            auto result = result_from_json(value);
            // The guest names its copy of the file (/job/scenarios/NAME): point at
            // the file this run was given, which a reproducer embeds.
            const auto copied = fs::path(result.file).filename();
            const auto given = std::find_if(files.begin(), files.end(), [&](const fs::path& f) {
                return f.filename() == copied;
            });
            if (given != files.end()) {
                result.file = given->string();
            }
            // The trace was written in the guest under /job: point at the host copy.
            if (!result.trace_file.empty()) {
                const auto name = fs::path(result.trace_file).filename();
                const auto copy = report_dir / "traces" / ("hil-" + target + "-" + name.string());
                std::error_code ec;
                fs::copy_file(guest.run_dir / "report" / "traces" / name, copy,
                              fs::copy_options::overwrite_existing, ec);
                result.trace_file = ec ? std::string() : copy.string();
            }
            results.push_back(std::move(result));
        }
    }
    // A failed certification is the certification's verdict, not the scenarios'.
    const bool only_certification_failed =
        guest.status == hil::GuestStatus::failed &&
        std::all_of(guest.checks.begin(), guest.checks.end(), [](const hil::CheckResult& c) {
            return c.passed || c.name.rfind("certify", 0) == 0;
        });
    if ((!guest.passed() && !only_certification_failed) || !guest.kernel_problems.empty()) {
        std::string reason = "guest " + std::string(hil::status_name(guest.status));
        if (!guest.kernel_problems.empty()) {
            reason += ": kernel problem: " + guest.kernel_problems.front();
        }
        if (!guest.qemu_error.empty()) {
            reason += ": " + guest.qemu_error;
        }
        const bool any_failed = std::any_of(results.begin(), results.end(), [](const auto& r) {
            return r.status == Status::failed;
        });
        if (results.empty() || !any_failed) {
            ScenarioResult failure;
            failure.scenario = "guest-" + target;
            failure.backend = "hil:real:" + target;
            failure.status = Status::failed;
            failure.reason = reason + " (see " + (guest.run_dir / "output.log").string() + ")";
            failure.wall_seconds = guest.wall_seconds;
            results.push_back(failure);
        }
    }
    return results;
}

}  // namespace brick::lab
