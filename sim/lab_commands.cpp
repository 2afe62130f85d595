#include "commands.hpp"

namespace brick::lab {

void register_sim_commands(CLI::App& app) {
    app.add_subcommand("sim", "Run the simulated storage host");
}

}  // namespace brick::lab
