// `brick-lab hil image|run|golden`: the hardware-in-the-loop commands.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "brick/core/error.hpp"
#include "brick/hil/guest.hpp"
#include "brick/hil/image.hpp"
#include "brick/hil/job_spec.hpp"
#include "brick/hil/pair.hpp"
#include "commands.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

struct HilSettings {
    std::string source_dir = BRICK_HIL_SOURCE_DIR;
    std::string build_dir = BRICK_HIL_BUILD_DIR;
    std::string cache_dir;
    std::string image_dir;  // use this built image instead of building
};

hil::Image image_for(const HilSettings& settings, bool verbose) {
    if (!settings.image_dir.empty()) {
        return hil::load_image(settings.image_dir);
    }
    hil::ImageOptions options;
    options.source_dir = settings.source_dir;
    options.cache_dir = settings.cache_dir;
    auto image = hil::ensure_image(options);
    if (verbose) {
        std::cerr << image.build_log;
    }
    return image;
}

void print_result(const std::string& name, const hil::GuestResult& result) {
    std::cout << "hil " << name << ": " << hil::status_name(result.status) << " (job exit "
              << result.job_exit << ", " << result.wall_seconds << " s wall, guest "
              << result.guest_uptime_seconds << " s)\n";
    for (const auto& check : result.checks) {
        std::cout << "  " << (check.passed ? "pass " : "FAIL ") << check.name << " ("
                  << check.seconds << " s)\n";
    }
    for (const auto& line : result.kernel_problems) {
        std::cout << "  kernel: " << line << '\n';
    }
    if (!result.qemu_error.empty()) {
        std::cout << "  qemu: " << result.qemu_error << '\n';
    }
    for (const auto& line : result.host_problems) {
        std::cout << "  host: " << line << '\n';
    }
    std::cout << "  results in " << result.run_dir.string() << '\n';
}

void print_pair_result(const std::string& name, const hil::PairResult& result) {
    std::cout << "hil " << name << " (pair): " << hil::status_name(result.status) << " ("
              << result.wall_seconds << " s wall)\n";
    print_result("  target", result.target);
    print_result("  initiator", result.initiator);
}

hil::Accel parse_accel(const std::string& name) {
    if (name == "kvm") {
        return hil::Accel::kvm;
    }
    if (name == "auto") {
        return hil::Accel::auto_detect;
    }
    return hil::Accel::tcg;
}

struct RunSettings {
    std::string job;
    std::string out;
    std::string accel = "tcg";
    int timeout_seconds = 300;
    int smp = 2;
    int memory_mb = 1024;
};

void add_guest_options(CLI::App* command, RunSettings& run) {
    command->add_option("--accel", run.accel, "Accelerator (KVM hangs on PVM hosts)")
        ->check(CLI::IsMember({"tcg", "kvm", "auto"}))
        ->capture_default_str();
    command->add_option("--timeout", run.timeout_seconds, "Hard deadline per guest, seconds")
        ->check(CLI::Range(10, 7200))
        ->capture_default_str();
    command->add_option("--smp", run.smp, "Guest CPUs")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    command->add_option("--mem", run.memory_mb, "Guest memory, MiB")
        ->check(CLI::Range(256, 65536))
        ->capture_default_str();
}

hil::GuestOptions guest_options(const HilSettings& settings, const RunSettings& run,
                                const fs::path& job, const fs::path& run_dir) {
    hil::GuestOptions options;
    options.job = job;
    options.run_dir = run_dir;
    options.source_dir = settings.source_dir;
    options.build_dir = settings.build_dir;
    options.accel = parse_accel(run.accel);
    options.timeout = std::chrono::seconds(run.timeout_seconds);
    options.smp = run.smp;
    options.memory_mb = run.memory_mb;
    return options;
}

// The guest options of a job folder, with what its hil.json asks for.
hil::GuestOptions job_options(const HilSettings& settings, const RunSettings& run,
                              const fs::path& job, const hil::JobSpec& spec,
                              const fs::path& run_dir) {
    auto options = guest_options(settings, run, job, run_dir);
    if (!spec.host_script.empty()) {
        options.host_script = job / spec.host_script;
        options.isolate_program = fs::path(settings.build_dir) / "lab" / "brick-isolate";
    }
    options.forwards = spec.forwards;
    return options;
}

hil::PairOptions pair_options(const HilSettings& settings, const RunSettings& run,
                              const fs::path& job, const hil::JobSpec& spec,
                              const fs::path& run_dir) {
    hil::PairOptions options;
    options.run_dir = run_dir;
    options.links = spec.links;
    options.timeout = std::chrono::seconds(run.timeout_seconds);
    for (auto [guest, role] : {std::pair{&options.target, &spec.target},
                               std::pair{&options.initiator, &spec.initiator}}) {
        *guest = guest_options(settings, run, job, run_dir);
        guest->script = role->script;
        guest->smp = role->smp.value_or(run.smp);
        guest->memory_mb = role->memory_mb.value_or(run.memory_mb);
    }
    return options;
}

// Runs a job folder as its hil.json says (one guest, or a pair) and prints the result.
bool run_job(const hil::Image& image, const HilSettings& settings, const RunSettings& run,
             const fs::path& job, const fs::path& run_dir, const std::string& name) {
    const auto spec = hil::read_job_spec(job);
    if (spec.topology == hil::Topology::pair) {
        const auto result = hil::run_pair(image, pair_options(settings, run, job, spec, run_dir));
        print_pair_result(name, result);
        return result.passed();
    }
    const auto result = hil::run_guest(image, job_options(settings, run, job, spec, run_dir));
    print_result(name, result);
    return result.passed();
}

fs::path default_run_dir(const HilSettings& settings, const fs::path& job) {
    auto name = job.filename().string();
    if (name == "job.sh" || name.empty()) {
        name = fs::absolute(job).lexically_normal().parent_path().filename().string();
    }
    if (name.size() > 3 && name.ends_with(".sh")) {
        name.resize(name.size() - 3);
    }
    return fs::path(settings.build_dir) / "hil-runs" / name;
}

// Copies the golden outputs a run captured (run/golden/<tool>/<state>.*, or each
// guest's of a pair) into dest.
int copy_golden(const fs::path& run_dir, const fs::path& dest) {
    int copied = 0;
    for (const auto& captured :
         {run_dir / "golden", run_dir / "initiator" / "golden", run_dir / "target" / "golden"}) {
        if (!fs::exists(captured)) {
            continue;
        }
        for (const auto& entry : fs::recursive_directory_iterator(captured)) {
            if (!entry.is_regular_file()) {
                continue;
            }
            const auto target = dest / fs::relative(entry.path(), captured);
            fs::create_directories(target.parent_path());
            fs::copy_file(entry.path(), target, fs::copy_options::overwrite_existing);
            ++copied;
        }
    }
    return copied;
}

std::string read_status(const fs::path& summary) {
    std::ifstream in(summary);
    const auto json = nlohmann::json::parse(in, nullptr, false);
    return json.is_object() ? json.value("status", "") : "";
}

}  // namespace

void register_hil_commands(CLI::App& app) {
    auto settings = std::make_shared<HilSettings>();
    auto* hil = app.add_subcommand("hil", "Run real kernels in QEMU guests");
    hil->require_subcommand(1);
    hil->add_option("--source-dir", settings->source_dir,
                    "Project source tree (shared at /brick/src)")
        ->capture_default_str();
    hil->add_option("--build-dir", settings->build_dir,
                    "Project build tree (shared at /brick/build)")
        ->capture_default_str();
    hil->add_option("--cache", settings->cache_dir,
                    "Image cache (default $BRICK_HIL_CACHE or /var/cache/brickworks/hil)");
    hil->add_option("--image", settings->image_dir, "Use this built image folder");

    auto* image = hil->add_subcommand("image", "Build the guest image if needed and show it");
    image->callback([settings] {
        const auto built = image_for(*settings, true);
        std::cout << "image:   " << built.dir.string() << '\n'
                  << "kernel:  " << built.kernel_release << " (" << built.kernel_package << " "
                  << built.kernel_package_version << ")\n"
                  << "key:     " << built.key << '\n';
    });

    auto run_settings = std::make_shared<RunSettings>();
    auto* run = hil->add_subcommand("run", "Boot a guest and run one job in it");
    run->add_option("--job", run_settings->job, "Job folder (with job.sh) or job script")
        ->required()
        ->check(CLI::ExistingPath);
    run->add_option("--out", run_settings->out, "Run folder (default <build>/hil-runs/<job name>)");
    add_guest_options(run, *run_settings);
    run->callback([settings, run_settings] {
        const auto built = image_for(*settings, false);
        const fs::path job = run_settings->job;
        const fs::path run_dir = run_settings->out.empty() ? default_run_dir(*settings, job)
                                                           : fs::path(run_settings->out);
        if (!run_job(built, *settings, *run_settings, job, run_dir, job.string())) {
            throw CLI::RuntimeError(1);
        }
    });

    auto golden_settings = std::make_shared<RunSettings>();
    auto golden_dest = std::make_shared<std::string>();
    auto golden_reuse = std::make_shared<bool>(false);
    auto golden_jobs = std::make_shared<std::vector<std::string>>(
        std::vector<std::string>{"lio", "tgt", "nvmet", "host-tgt", "pair-iscsi"});
    auto* golden = hil->add_subcommand(
        "golden", "Re-capture the real tools' golden outputs (hil/golden) from the HIL jobs");
    golden->add_option("--out", *golden_dest, "Destination (default <source>/hil/golden)");
    golden->add_flag("--reuse", *golden_reuse,
                     "Copy from the passed runs in <build>/hil-runs/<job> (as ctest leaves them) "
                     "instead of booting guests");
    golden->add_option("--jobs", *golden_jobs, "Jobs under hil/jobs to run")->capture_default_str();
    add_guest_options(golden, *golden_settings);
    golden->callback([settings, golden_settings, golden_dest, golden_jobs, golden_reuse] {
        const fs::path dest = golden_dest->empty()
                                  ? fs::path(settings->source_dir) / "hil" / "golden"
                                  : fs::path(*golden_dest);
        bool all_passed = true;
        for (const auto& name : *golden_jobs) {
            if (*golden_reuse) {
                const auto run_dir = fs::path(settings->build_dir) / "hil-runs" / name;
                if (!fs::exists(run_dir / "result.json") ||
                    read_status(run_dir / "result.json") != "passed") {
                    std::cout << "hil " << name << ": no passed run in " << run_dir.string()
                              << '\n';
                    all_passed = false;
                    continue;
                }
                std::cout << "hil " << name << ": " << copy_golden(run_dir, dest)
                          << " golden files -> " << dest.string() << '\n';
                continue;
            }
            const auto built = image_for(*settings, false);
            const auto job = fs::path(settings->source_dir) / "hil" / "jobs" / name;
            const auto run_dir = fs::path(settings->build_dir) / "hil-runs" / ("golden-" + name);
            if (!run_job(built, *settings, *golden_settings, job, run_dir, name)) {
                all_passed = false;
                continue;
            }
            std::cout << "  " << copy_golden(run_dir, dest) << " golden files -> " << dest.string()
                      << '\n';
        }
        if (!all_passed) {
            throw CLI::RuntimeError(1);
        }
    });
}

}  // namespace brick::lab
