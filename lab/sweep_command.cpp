// `brick-lab sweep`: seeded fault sweeps on the simulator with the invariant checker.

#include <iostream>
#include <memory>

#include "brick/core/log.hpp"
#include "commands.hpp"
#include "sweep/sweep.hpp"

namespace brick::lab {

void register_sweep_commands(CLI::App& app) {
    auto options = std::make_shared<SweepOptions>();
    auto report = std::make_shared<std::string>();
    auto* sweep = app.add_subcommand(
        "sweep",
        "Run random fault schedules over connect, I/O, extend and disconnect on the simulator, "
        "checking the invariants after every step");
    sweep->add_option("--protocol", options->shape.protocol, "iscsi or nvmeof")
        ->required()
        ->check(CLI::IsMember({"iscsi", "nvmeof"}));
    sweep->add_option("--seeds", options->seeds, "how many seeds")->check(CLI::PositiveNumber);
    sweep->add_option("--first-seed", options->first_seed, "the first seed (then +1, +2, ...)");
    sweep->add_option("--jobs", options->jobs, "seeds run at once (threads)")
        ->check(CLI::PositiveNumber);
    sweep->add_option("--report", *report,
                      "where reproducers and sweep.json go (default reports/sweep-PROTOCOL)");
    sweep->add_option("--concurrent-volumes", options->concurrent_volumes,
                      "instead of the random program: this many independent volumes connected "
                      "and disconnected at once under random faults");
    sweep->callback([options, report] {
        options->report_dir =
            report->empty() ? "reports/sweep-" + options->shape.protocol : *report;
        // Failed operations are the point of a sweep: their warnings would drown the summary.
        log::configure(log::Level::off, log::Format::human);
        const auto summary = run_sweep(*options, std::cerr);
        print_sweep_summary(std::cout, *options, summary);
        throw RunExit{summary.failures.empty() ? 0 : 1};
    });
}

}  // namespace brick::lab
