#pragma once
// Each part of the lab adds its subcommands to `brick-lab` here.

#include <CLI/CLI.hpp>

namespace brick::lab {

// sim/: `brick-lab sim up|down|exec ...`
void register_sim_commands(CLI::App& app);
// hil/: `brick-lab hil image|boot|run ...`
void register_hil_commands(CLI::App& app);
// lab/: `brick-lab run ...` and `brick-lab replay FILE`
void register_run_commands(CLI::App& app);
// lab/: `brick-lab sweep ...`
void register_sweep_commands(CLI::App& app);
// lab/: `brick-lab certify BACKEND.json`
void register_certify_commands(CLI::App& app);

// Thrown by a subcommand to end brick-lab with an exit code after it printed
// its own results.
struct RunExit {
    int code;
};

}  // namespace brick::lab
