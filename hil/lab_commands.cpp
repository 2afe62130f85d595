#include "commands.hpp"

namespace brick::lab {

void register_hil_commands(CLI::App& app) {
    app.add_subcommand("hil", "Run real kernels in QEMU guests");
}

}  // namespace brick::lab
