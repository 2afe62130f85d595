#include "brick/hil/image.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "brick/core/error.hpp"
#include "brick/host/process_runner.hpp"

namespace brick::hil {

Image load_image(const std::filesystem::path& dir) {
    std::ifstream in(dir / "manifest.json");
    if (!in) {
        throw Error(ErrorCategory::host_error,
                    "no HIL image at " + dir.string() + " (manifest.json missing)");
    }
    const auto manifest = nlohmann::json::parse(in, nullptr, false);
    if (manifest.is_discarded() || !manifest.is_object()) {
        throw Error(ErrorCategory::host_error, "unreadable " + (dir / "manifest.json").string());
    }
    Image image;
    image.dir = dir;
    image.kernel_release = manifest.value("kernel_release", "");
    image.kernel_package = manifest.value("kernel_package", "");
    image.kernel_package_version = manifest.value("kernel_package_version", "");
    image.key = manifest.value("key", "");
    return image;
}

Image ensure_image(const ImageOptions& options) {
    const auto script = options.source_dir / "hil" / "image" / "build.sh";
    Command command;
    command.argv = {"/bin/bash", script.string()};
    command.deadline = options.deadline;
    if (!options.cache_dir.empty()) {
        command.argv = {"/usr/bin/env", "BRICK_HIL_CACHE=" + options.cache_dir.string(),
                        "/bin/bash", script.string()};
    }
    const auto result = run_process(command.argv.front(), command);
    if (!result.ok()) {
        throw Error(ErrorCategory::command_failed,
                    "building the HIL image failed (" + script.string() + ", exit " +
                        std::to_string(result.exit_status) +
                        (result.timed_out ? ", timed out" : "") + "):\n" + result.err + result.out);
    }
    std::istringstream lines(result.out);
    std::string line;
    std::filesystem::path dir;
    while (std::getline(lines, line)) {
        if (line.rfind("IMAGE=", 0) == 0) {
            dir = line.substr(6);
        }
    }
    if (dir.empty()) {
        throw Error(ErrorCategory::command_failed,
                    script.string() + " did not name the image folder (no IMAGE= line)");
    }
    Image image = load_image(dir);
    image.build_log = result.err;
    return image;
}

}  // namespace brick::hil
