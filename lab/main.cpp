// brick-lab: the test lab front end: the simulator, hardware in the loop and
// the scenario runner behind one command.

#include <iostream>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"brick-lab: simulator, hardware-in-the-loop and scenario runner for brickworks"};
    app.require_subcommand(1);
    std::string log_level = "warning";
    app.add_option("--log-level", log_level, "libbrick's log: debug, info, warning, error or off")
        ->check(CLI::IsMember({"debug", "info", "warning", "error", "off"}));
    app.parse_complete_callback([&log_level] {
        brick::log::configure(*brick::log::parse_level(log_level), brick::log::Format::human);
    });
    brick::lab::register_sim_commands(app);
    brick::lab::register_hil_commands(app);
    brick::lab::register_run_commands(app);
    brick::lab::register_sweep_commands(app);
    brick::lab::register_certify_commands(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const brick::lab::RunExit& exit) {
        return exit.code;
    } catch (const brick::Error& e) {
        std::cerr << "brick-lab: " << e.what() << '\n';
        return brick::exit_code(e.category());
    }
    return 0;
}
