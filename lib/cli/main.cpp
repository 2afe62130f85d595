// brick: attach and detach remote volumes from the command line. JSON in, JSON out.

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "commands.hpp"

namespace {

int report(const brick::Error& error, bool json) {
    if (json) {
        std::cerr << nlohmann::json{{"category", brick::category_name(error.category())},
                                    {"field", error.field()},
                                    {"message", error.message()}}
                         .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  << '\n';
    } else {
        std::cerr << "brick: " << error.what() << '\n';
    }
    return brick::exit_code(error.category());
}

// Under sudo (or a set-uid bit) the caller is not trusted with options that
// choose which programs run or which files are written as root.
void refuse_privileged_overrides(const brick::cli::GlobalOptions& global) {
    const bool elevated = std::getenv("SUDO_UID") != nullptr || ::getuid() != ::geteuid();
    if (!elevated) {
        return;
    }
    for (const auto& [option, given] :
         {std::pair{"--tools", !global.tools_dir.empty()}, std::pair{"--root", global.root != "/"},
          std::pair{"--trace", !global.trace_file.empty()}}) {
        if (given) {
            throw brick::Error(brick::ErrorCategory::invalid_properties,
                               std::string(option) +
                                   ": not accepted when brick runs with elevated privileges "
                                   "(sudo or set-uid)",
                               option);
        }
    }
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"brick: attach and detach remote volumes (iSCSI, NVMe-oF, FC, ...)"};
    app.require_subcommand(1);
    brick::cli::GlobalOptions global;
    app.add_option("--root", global.root, "relocate /sys, /dev, /etc, /proc, /run under DIR")
        ->check(CLI::ExistingDirectory);
    app.add_option("--tools", global.tools_dir, "run iscsiadm, nvme, ... from DIR first")
        ->check(CLI::ExistingDirectory);
    app.add_option("--log-level", global.log_level, "debug, info, warning, error or off")
        ->check(CLI::IsMember({"debug", "info", "warning", "error", "off"}));
    app.add_option("--log-format", global.log_format, "human or json")
        ->check(CLI::IsMember({"human", "json"}));
    app.add_option("--timeout", global.timeout_seconds, "deadline in seconds for the device")
        ->check(CLI::PositiveNumber);
    app.add_option("--trace", global.trace_file, "append a JSON-lines trace of host interactions");
    brick::cli::add_commands(app, global);
    try {
        app.parse(argc, argv);
        refuse_privileged_overrides(global);
        brick::log::configure(
            *brick::log::parse_level(global.log_level),
            global.log_format == "json" ? brick::log::Format::json : brick::log::Format::human);
        if (global.action) {
            global.action();
        }
    } catch (const CLI::ParseError& e) {
        // Help and version exit 0; every usage error exits 2.
        return app.exit(e) == 0 ? 0 : 2;
    } catch (const brick::Error& e) {
        return report(e, global.log_format == "json");
    } catch (const std::exception& e) {
        return report(brick::Error(brick::ErrorCategory::internal, e.what()),
                      global.log_format == "json");
    }
    return 0;
}
