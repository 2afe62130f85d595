#include <iostream>
#include <memory>

#include "commands.hpp"
#include "sim/fuse/control.hpp"

namespace brick::lab {
namespace {

struct SimCommandOptions {
    std::string root;
    std::string fabric;
    std::uint64_t seed = 1;
    std::string hostname = "brick-sim";
    std::string tool;
    std::string fault;
    std::vector<std::string> command;
};

void print(const nlohmann::json& value) {
    std::cout << value.dump(2) << '\n';
}

}  // namespace

void register_sim_commands(CLI::App& app) {
    auto* sim = app.add_subcommand("sim", "Run the simulated storage host");
    sim->require_subcommand(1);
    auto options = std::make_shared<SimCommandOptions>();

    auto* up = sim->add_subcommand(
        "up", "Serve a simulated host under DIR (FUSE trees, fake tools in DIR/bin)");
    up->add_option("--root", options->root, "directory to serve the trees under")->required();
    up->add_option("--fabric", options->fabric, "fabric file (JSON)")
        ->required()
        ->check(CLI::ExistingFile);
    up->add_option("--seed", options->seed, "seed of the model's random source");
    up->add_option("--hostname", options->hostname, "host name in /proc/sys/kernel/hostname");
    up->add_option("--tool", options->tool, "brick-sim-tool executable to install");
    up->callback([options] {
        sim::UpOptions up_options;
        up_options.root = options->root;
        up_options.fabric = options->fabric;
        up_options.seed = options->seed;
        up_options.hostname = options->hostname;
        up_options.tool = options->tool;
        print(sim::sim_up(up_options));
    });

    auto* down = sim->add_subcommand(
        "down", "Stop the simulator under DIR; nothing stays mounted or running");
    down->add_option("--root", options->root, "the directory given to sim up")->required();
    down->callback([options] {
        const auto report = sim::sim_down(options->root);
        print(report);
        if (!report["mounts_left"].empty()) {
            throw RunExit{1};
        }
    });

    auto* exec = sim->add_subcommand(
        "exec",
        "Run COMMAND in private mount and network namespaces over the simulator "
        "(fake /sys, /dev, /etc/iscsi, /etc/nvme, /etc/multipath*, tools)");
    exec->add_option("--root", options->root, "the directory given to sim up")->required();
    exec->add_option("command", options->command, "the command and its arguments (after --)")
        ->required();
    exec->callback([options] { sim::sim_exec(options->root, options->command); });

    auto* status = sim->add_subcommand("status", "Print the model's state (JSON)");
    status->add_option("--root", options->root, "the directory given to sim up")->required();
    status->callback([options] { print(sim::sim_request(options->root, {{"op", "status"}})); });

    auto* floors = sim->add_subcommand(
        "floors", "Print the model's floor of each volume operation: the sum of its own delays");
    floors->add_option("--root", options->root, "the directory given to sim up")->required();
    floors->callback([options] { print(sim::sim_request(options->root, {{"op", "floors"}})); });

    auto* fault = sim->add_subcommand("fault", "Arm a fault in the running simulator");
    fault->add_option("--root", options->root, "the directory given to sim up")->required();
    fault->add_option("FAULT", options->fault, R"(fault as JSON ({"fault":"...",...}))")
        ->required();
    fault->callback([options] {
        const auto spec = nlohmann::json::parse(options->fault, nullptr, false);
        if (spec.is_discarded()) {
            std::cerr << "brick-lab sim fault: not JSON: " << options->fault << '\n';
            throw RunExit{2};
        }
        const auto reply = sim::sim_request(options->root, {{"op", "inject"}, {"fault", spec}});
        print(reply);
        if (reply.contains("error")) {
            throw RunExit{1};
        }
    });
}

}  // namespace brick::lab
