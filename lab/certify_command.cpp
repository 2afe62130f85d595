// `brick-lab certify BACKEND.json`: certification of a storage backend
// (lab/certify/, certify/README.md).

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "certify/backend_file.hpp"
#include "certify/guest.hpp"
#include "certify/report.hpp"
#include "certify/run.hpp"
#include "commands.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

struct CertifyOptions {
    std::string backend_file;
    std::string report;
    std::string junit;
    std::string only;
    std::string work;
    bool in_guest = false;
};

std::atomic<bool> stop_requested{false};

extern "C" void on_stop_signal(int /*signal*/) {
    stop_requested.store(true);
}

// SIGINT/SIGTERM end the run after the current test, with its cleanup; a
// second signal ends the process at once (the journal lets the next run clean up).
void catch_stop_signals() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    action.sa_flags = SA_RESTART | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

int certify_command(const CertifyOptions& options) {
    const auto backend = certify::load_backend_file(options.backend_file);
    const fs::path report = options.report.empty()
                                ? fs::path("reports") / ("certify-" + backend.name)
                                : fs::path(options.report);
    const auto rerun =
        certify::rerun_line(backend, report, options.junit, options.only, options.work);
    fs::create_directories(report);
    certify::CertificationResult result;
    if (backend.runs_on == certify::RunsOn::guest && !options.in_guest) {
        std::cout << "certify " << backend.name << ": booting a QEMU guest with "
                  << backend.guest_target << "\n"
                  << std::flush;
        result = certify::certify_in_guest(backend, report, options.only, rerun);
    } else {
        certify::RunOptions run;
        run.work = options.work.empty() ? fs::path("/var/lib/brickworks/certify") / backend.name
                                        : fs::path(options.work);
        run.work = fs::absolute(run.work);
        run.only = options.only;
        run.rerun = rerun;
        auto initiator = backend.runs_on == certify::RunsOn::simulator
                             ? certify::make_simulator_initiator(run.work / "sim-array.json")
                             : certify::make_local_initiator();
        catch_stop_signals();
        result = certify::run_certification(backend, *initiator, run, stop_requested);
    }
    if (options.in_guest) {
        std::ofstream(report / "result.json") << result.to_json().dump(2) << "\n";
    } else {
        certify::write_certification_report(report, result);
        std::cout << "report: " << (report / "index.html").string() << "\n";
    }
    if (!options.junit.empty()) {
        certify::write_certification_junit(options.junit, result);
    }
    certify::print_result(std::cout, result);
    if (result.interrupted) {
        return 130;
    }
    return result.verdict.rfind("NOT CERTIFIED", 0) == 0 ? 1 : 0;
}

}  // namespace

void register_certify_commands(CLI::App& app) {
    auto options = std::make_shared<CertifyOptions>();
    auto* command = app.add_subcommand(
        "certify",
        "Certify a storage backend: run the certification groups through its provisioner");
    command->add_option("BACKEND", options->backend_file, "backend file (certify/README.md)")
        ->required();
    command->add_option("--report", options->report,
                        "report folder (default reports/certify-NAME)");
    command->add_option("--junit", options->junit, "also write JUnit XML here");
    std::vector<std::string> groups;
    for (const auto& spec : certify::group_specs()) {
        groups.push_back(spec.name);
    }
    command->add_option("--only", options->only, "run one group only")
        ->check(CLI::IsMember(groups));
    command->add_option("--work", options->work,
                        "work folder: journal, connector file, the provisioner's {work} "
                        "(default /var/lib/brickworks/certify/NAME)");
    command
        ->add_flag("--in-guest", options->in_guest,
                   "run here even if the backend runs in a guest, write only result.json "
                   "(used inside the guest)")
        ->group("");
    command->callback([options] { throw RunExit{certify_command(*options)}; });
}

}  // namespace brick::lab
