#include "backend_file.hpp"

#include <cstdlib>

#include "brick/core/error.hpp"
#include "runner/json_schema.hpp"

namespace brick::lab::certify {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void refuse(const BackendFile& backend, const std::string& field,
                         const std::string& expected) {
    throw Error(ErrorCategory::invalid_properties,
                backend.file.string() + ": " + field + ": " + expected, field);
}

bool offers(const BackendFile& backend, const std::string& protocol) {
    for (const auto& offer : backend.protocols) {
        if (offer.protocol == protocol) {
            return true;
        }
    }
    return false;
}

// What the schema cannot say: capabilities that need others, or a protocol.
void check_consistency(const BackendFile& backend) {
    if (backend.declares("path_failure") && !backend.declares("multipath")) {
        refuse(backend, "/capabilities", "path_failure needs multipath declared too");
    }
    if (backend.declares("path_failure") && !backend.fault_hooks) {
        refuse(backend, "/provisioner/fault_hooks",
               "path_failure needs a provisioner with fault hooks (fail-path, restore-path): "
               "set fault_hooks to true");
    }
    if (backend.declares("mutual_chap") && !backend.declares("chap")) {
        refuse(backend, "/capabilities", "mutual_chap needs chap declared too");
    }
    if ((backend.declares("chap") || backend.declares("lun_256")) && !offers(backend, "iscsi")) {
        refuse(backend, "/capabilities", "chap and lun_256 are iSCSI capabilities: offer iscsi");
    }
    if (backend.declares("ana") && !offers(backend, "nvmeof")) {
        refuse(backend, "/capabilities", "ana is an NVMe-oF capability: offer nvmeof");
    }
    if (backend.runs_on == RunsOn::guest && backend.guest_target.empty()) {
        refuse(backend, "/runs_on/target", "required with kind guest: lio, tgt or nvmet");
    }
    if (backend.runs_on != RunsOn::guest && !backend.guest_target.empty()) {
        refuse(backend, "/runs_on/target", "only with kind guest");
    }
    if (backend.runs_on == RunsOn::simulator &&
        (backend.protocols.size() != 1 || backend.protocols[0].protocol != "iscsi")) {
        refuse(backend, "/protocols", "the simulated array offers iscsi only");
    }
}

}  // namespace

const std::vector<std::string>& all_capabilities() {
    static const std::vector<std::string> names = {"extend",  "multipath",   "path_failure",
                                                   "chap",    "mutual_chap", "concurrency",
                                                   "lun_256", "ana"};
    return names;
}

std::vector<std::string> BackendFile::provisioner_argv(const fs::path& work) const {
    std::vector<std::string> argv;
    for (std::size_t i = 0; i < command.size(); ++i) {
        std::string arg = command[i];
        for (auto at = arg.find("{work}"); at != std::string::npos; at = arg.find("{work}")) {
            arg.replace(at, 6, work.string());
        }
        if (i == 0 && arg.find('/') != std::string::npos && fs::path(arg).is_relative()) {
            arg = (file.parent_path() / arg).lexically_normal().string();
        }
        argv.push_back(arg);
    }
    return argv;
}

BackendFile load_backend_file(const fs::path& path) {
    const auto file = fs::absolute(path).lexically_normal();
    const auto document = read_json_file(file);
    static const auto schema = read_json_file(certify_root() / "schema/backend.schema.json");
    validate_json(file, document, schema);
    BackendFile backend;
    backend.file = file;
    backend.name = document.at("name");
    backend.vendor = document.at("vendor");
    backend.product = document.at("product");
    backend.firmware = document.at("firmware");
    backend.description = document.value("description", "");
    for (const auto& offer : document.at("protocols")) {
        backend.protocols.push_back({offer.at("protocol"), offer.at("transport")});
    }
    for (const auto& capability : document.at("capabilities")) {
        backend.capabilities.insert(capability.get<std::string>());
    }
    const auto& provisioner = document.at("provisioner");
    backend.command = provisioner.at("command").get<std::vector<std::string>>();
    backend.timeout = Duration(1000 * provisioner.value("timeout_seconds", 60));
    backend.fault_hooks = provisioner.value("fault_hooks", false);
    if (document.contains("runs_on")) {
        const auto& runs_on = document.at("runs_on");
        const auto kind = runs_on.at("kind").get<std::string>();
        backend.runs_on = kind == "guest"       ? RunsOn::guest
                          : kind == "simulator" ? RunsOn::simulator
                                                : RunsOn::local;
        backend.guest_target = runs_on.value("target", "");
        backend.guest_timeout_seconds = runs_on.value("timeout_seconds", 900);
    }
    const auto settings = document.value("settings", nlohmann::json::object());
    backend.volume_size_gib = settings.value("volume_size_gib", 1);
    backend.repeat = settings.value("repeat", 3);
    backend.concurrent_volumes = settings.value("concurrent_volumes", 4);
    backend.io_mib = settings.value("io_mib", 8);
    backend.device_timeout_seconds = settings.value("device_timeout_seconds", 20);
    backend.command_timeout_seconds = settings.value("command_timeout_seconds", 30);
    backend.multipath_timeout_seconds = settings.value("multipath_timeout_seconds", 10);
    check_consistency(backend);
    return backend;
}

fs::path certify_root() {
    if (const char* env = std::getenv("BRICK_CERTIFY_DIR"); env != nullptr && *env != '\0') {
        return env;
    }
    if (fs::exists(fs::path(BRICK_CERTIFY_DIR) / "schema")) {
        return BRICK_CERTIFY_DIR;
    }
    return BRICK_INSTALLED_CERTIFY_DIR;
}

}  // namespace brick::lab::certify
