#include "brick/hil/guest.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "brick/core/error.hpp"
#include "brick/hil/host_side.hpp"
#include "brick/hil/processes.hpp"

namespace brick::hil {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

// QEMU splits option values at commas; a literal comma is written twice.
std::string qemu_escape(const std::string& value) {
    std::string escaped;
    for (char c : value) {
        escaped += c;
        if (c == ',') {
            escaped += ',';
        }
    }
    return escaped;
}

std::string share(const fs::path& path, const std::string& tag, bool read_only) {
    std::string option = "local,path=" + qemu_escape(path.string()) + ",mount_tag=" + tag +
                         ",security_model=none,multidevs=remap";
    if (read_only) {
        option += ",readonly=on";
    }
    return option;
}

bool kvm_usable() {
    const int fd = ::open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    ::close(fd);
    return true;
}

// A folder a previous run left (or an empty one) may be replaced; anything else is refused.
void prepare_run_dir(const fs::path& run_dir) {
    std::error_code error;
    if (fs::exists(run_dir, error)) {
        const bool previous_run =
            fs::exists(run_dir / "console.log") || fs::exists(run_dir / "result.json");
        if (!previous_run && !fs::is_empty(run_dir, error)) {
            throw Error(ErrorCategory::invalid_properties,
                        "run folder " + run_dir.string() +
                            " exists and is not a HIL run folder; refusing to replace it");
        }
        fs::remove_all(run_dir);
    }
    fs::create_directories(run_dir);
}

void copy_job(const fs::path& job, const std::string& script, const fs::path& run_dir) {
    if (fs::is_directory(job)) {
        if (!fs::exists(job / script)) {
            throw Error(ErrorCategory::invalid_properties,
                        "job folder " + job.string() + " has no " + script);
        }
        fs::copy(job, run_dir, fs::copy_options::recursive);
        if (script != "job.sh") {
            fs::copy_file(job / script, run_dir / "job.sh", fs::copy_options::overwrite_existing);
        }
    } else if (fs::is_regular_file(job)) {
        fs::copy_file(job, run_dir / "job.sh");
    } else {
        throw Error(ErrorCategory::invalid_properties, "no job at " + job.string());
    }
}

std::vector<CheckResult> read_checks(const fs::path& path) {
    std::vector<CheckResult> checks;
    std::istringstream lines(read_text(path));
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        CheckResult check;
        std::string status;
        std::string seconds;
        if (!std::getline(fields, check.name, '\t') || !std::getline(fields, status, '\t')) {
            continue;
        }
        std::getline(fields, seconds, '\t');
        check.passed = status == "pass";
        try {
            check.seconds = std::stod(seconds);
        } catch (const std::exception&) {
            check.seconds = 0;
        }
        checks.push_back(check);
    }
    return checks;
}

void write_summary(const GuestResult& result, const Image& image, const GuestOptions& options) {
    nlohmann::json summary = {
        {"status", status_name(result.status)},
        {"job", options.job.string()},
        {"job_exit", result.job_exit},
        {"wall_seconds", result.wall_seconds},
        {"guest_uptime_seconds", result.guest_uptime_seconds},
        {"kernel_problems", result.kernel_problems},
        {"kernel_release", image.kernel_release},
        {"kernel_package", image.kernel_package + "=" + image.kernel_package_version},
        {"image", image.dir.string()},
        {"qemu_error", result.qemu_error},
        {"host_problems", result.host_problems},
    };
    auto& checks = summary["checks"] = nlohmann::json::array();
    for (const auto& check : result.checks) {
        checks.push_back(
            {{"name", check.name}, {"passed", check.passed}, {"seconds", check.seconds}});
    }
    std::ofstream(result.run_dir / "result.json") << summary.dump(2) << '\n';
}

}  // namespace

std::string_view status_name(GuestStatus status) {
    switch (status) {
        case GuestStatus::passed:
            return "passed";
        case GuestStatus::failed:
            return "failed";
        case GuestStatus::kernel_problem:
            return "kernel_problem";
        case GuestStatus::timed_out:
            return "timed_out";
        case GuestStatus::no_result:
            return "no_result";
    }
    return "unknown";
}

std::vector<std::string> find_kernel_problems(const std::string& kernel_log) {
    static constexpr std::array<std::string_view, 10> markers{
        "WARNING:",
        "Oops",
        "BUG:",
        "Kernel panic",
        "general protection fault",
        "UBSAN:",
        "KASAN:",
        "blocked for more than",
        "RIP: ",
        "Call Trace:",
    };
    std::vector<std::string> problems;
    std::istringstream lines(kernel_log);
    std::string line;
    while (std::getline(lines, line)) {
        for (const std::string_view marker : markers) {
            if (line.find(marker) != std::string::npos) {
                problems.push_back(line);
                break;
            }
        }
    }
    return problems;
}

std::vector<std::string> qemu_command(const Image& image, const GuestOptions& options,
                                      Accel accel) {
    if (accel == Accel::auto_detect) {
        accel = kvm_usable() ? Accel::kvm : Accel::tcg;
    }
    // The guest's own deadline leaves time to save dmesg before the host's hits.
    const auto total = std::chrono::duration_cast<std::chrono::seconds>(options.timeout).count();
    const long long guest_deadline = total > 40 ? total - 20 : total / 2 + 1;
    std::string append =
        "console=ttyS0 panic=-1 quiet brick.timeout=" + std::to_string(guest_deadline);
    // The guest also mounts the project's trees at their host paths (see hil/image/init).
    for (const auto& [name, path] :
         {std::pair{"src", options.source_dir}, std::pair{"build", options.build_dir}}) {
        const auto text =
            path.empty() ? std::string() : fs::absolute(path).lexically_normal().string();
        if (!text.empty() && text.find_first_of(" \t\n\"") == std::string::npos) {
            append += std::string(" brick.") + name + "_path=" + text;
        }
    }
    for (const auto& arg : options.extra_kernel_args) {
        append += " " + arg;
    }
    std::vector<std::string> argv;
    if (!options.net_namespace.empty()) {
        argv = {"nsenter", "--net=" + options.net_namespace, "--"};
    }
    argv.insert(argv.end(), {
                                "qemu-system-x86_64",
                                "-name",
                                "brick-hil",
                                "-no-user-config",
                                "-nodefaults",
                                "-display",
                                "none",
                                "-monitor",
                                "none",
                                "-no-reboot",
                                "-m",
                                std::to_string(options.memory_mb),
                                "-smp",
                                std::to_string(options.smp),
                                "-serial",
                                "file:" + (options.run_dir / "console.log").string(),
                                "-kernel",
                                image.kernel().string(),
                                "-initrd",
                                image.initrd().string(),
                                "-append",
                                append,
                                "-virtfs",
                                share("/usr", "usr", true),
                                "-virtfs",
                                share("/etc", "etc", true),
                                "-virtfs",
                                share(image.modules(), "modules", true),
                                "-virtfs",
                                share(options.run_dir, "job", false),
                            });
    const auto nics = nic_arguments(options.links, options.forwards);
    argv.insert(argv.end(), nics.begin(), nics.end());
    if (!options.pair_dir.empty()) {
        argv.insert(argv.end(), {"-virtfs", share(options.pair_dir, "pair", false)});
    }
    if (accel == Accel::kvm) {
        argv.insert(argv.end(), {"-accel", "kvm", "-cpu", "host"});
    } else {
        argv.insert(argv.end(), {"-accel", "tcg"});
    }
    if (fs::exists("/usr/share/qemu/qboot.rom")) {
        argv.insert(argv.end(), {"-bios", "/usr/share/qemu/qboot.rom"});  // boots ~0.5 s faster
    }
    if (!options.source_dir.empty()) {
        argv.insert(argv.end(), {"-virtfs", share(options.source_dir, "brick_src", true)});
    }
    if (!options.build_dir.empty()) {
        argv.insert(argv.end(), {"-virtfs", share(options.build_dir, "brick_build", true)});
    }
    return argv;
}

void prepare_run(const GuestOptions& options, const fs::path& run_dir) {
    prepare_run_dir(run_dir);
    copy_job(options.job, options.script, run_dir);
}

void collect_result(GuestResult& result, const Image& image, const GuestOptions& options,
                    bool timed_out) {
    const auto exit_file = result.run_dir / "result" / "exit_status";
    if (fs::exists(exit_file)) {
        try {
            result.job_exit = std::stoi(read_text(exit_file));
        } catch (const std::exception&) {
            result.job_exit = -1;
        }
        try {
            result.guest_uptime_seconds =
                std::stod(read_text(result.run_dir / "result" / "uptime"));
        } catch (const std::exception&) {
            result.guest_uptime_seconds = 0;
        }
        result.status = result.job_exit == 0 ? GuestStatus::passed : GuestStatus::failed;
    } else {
        result.status = timed_out ? GuestStatus::timed_out : GuestStatus::no_result;
    }
    result.checks = read_checks(result.run_dir / "checks.tsv");
    // The guest's dmesg when it saved one, else whatever reached the console.
    const auto dmesg = result.run_dir / "dmesg.txt";
    result.kernel_problems =
        find_kernel_problems(read_text(fs::exists(dmesg) ? dmesg : result.run_dir / "console.log"));
    if (result.status == GuestStatus::passed && !result.kernel_problems.empty()) {
        result.status = GuestStatus::kernel_problem;
    }
    if (result.status == GuestStatus::passed && !result.host_problems.empty()) {
        result.status = GuestStatus::failed;
    }
    GuestOptions effective = options;
    effective.run_dir = result.run_dir;
    write_summary(result, image, effective);
}

GuestResult run_guest(const Image& image, const GuestOptions& options) {
    GuestResult result;
    result.run_dir = fs::absolute(options.run_dir);
    GuestOptions effective = options;
    effective.run_dir = result.run_dir;
    if (!options.forwards.empty() && options.host_script.empty()) {
        throw Error(ErrorCategory::invalid_properties,
                    "forwards need a host script: the host side must run in its own network "
                    "namespace",
                    "forwards");
    }
    prepare_run(options, result.run_dir);

    const auto started = Clock::now();
    const auto deadline = started + options.timeout;
    Processes processes;
    std::unique_ptr<HostSide> host;
    if (!options.host_script.empty()) {
        const auto isolate = options.isolate_program.empty()
                                 ? fs::path(options.build_dir) / "lab" / "brick-isolate"
                                 : options.isolate_program;
        try {
            host = std::make_unique<HostSide>(processes, fs::absolute(options.host_script),
                                              result.run_dir, isolate, deadline);
        } catch (const Error& error) {
            result.host_problems.emplace_back(error.message());
            result.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
            collect_result(result, image, effective, false);
            return result;
        }
        effective.net_namespace = host->net_namespace();
    }

    ProcessSpec qemu;
    qemu.argv = qemu_command(image, effective, options.accel);
    qemu.output = result.run_dir / "qemu.stderr";
    for (const auto& link : options.links) {
        qemu.inherit.push_back(link.fd);
    }
    std::ofstream(result.run_dir / "qemu.argv") << nlohmann::json(qemu.argv).dump(1) << '\n';
    const auto index = processes.start(qemu);
    const bool ended = processes.wait_until(deadline, [&] { return !processes.running(index); });
    if (!ended) {
        processes.kill_group(index);
    }
    result.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (host) {
        result.host_problems = host->stop(std::chrono::seconds(60));
    }
    const auto qemu_output = read_text(qemu.output);
    if (qemu_output.empty()) {
        fs::remove(qemu.output);
    } else if (ended && processes.exit_status(index) != 0) {
        result.qemu_error = qemu_output;
    }
    collect_result(result, image, effective, !ended);
    return result;
}

}  // namespace brick::hil
