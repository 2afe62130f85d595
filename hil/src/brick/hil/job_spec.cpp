#include "brick/hil/job_spec.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "brick/core/error.hpp"

namespace brick::hil {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void bad(const std::string& field, const std::string& expected) {
    throw Error(ErrorCategory::invalid_properties, "hil.json: " + field + ": expected " + expected,
                field);
}

void only_keys(const nlohmann::json& object, const std::string& where,
               std::initializer_list<const char*> keys) {
    for (const auto& item : object.items()) {
        // Not a structured binding: clang before 16 cannot capture one in a lambda.
        const std::string& key = item.key();
        if (std::find_if(keys.begin(), keys.end(), [&](const char* k) { return key == k; }) ==
            keys.end()) {
            bad(where.empty() ? key : std::string(where).append(".").append(key),
                "no such field (a typo?)");
        }
    }
}

int integer(const nlohmann::json& object, const std::string& field, const std::string& where,
            int low, int high) {
    const auto& value = object.at(field);
    if (!value.is_number_integer() || value.get<long long>() < low ||
        value.get<long long>() > high) {
        bad(where, "an integer in " + std::to_string(low) + ".." + std::to_string(high));
    }
    return value.get<int>();
}

// A script of the job folder: a plain file name, present in the folder.
std::string script(const nlohmann::json& object, const std::string& field, const fs::path& job) {
    if (!object.contains(field) || !object.at(field).is_string()) {
        bad(field, "the name of a script in the job folder");
    }
    auto name = object.at(field).get<std::string>();
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
        bad(field, "a plain file name in the job folder, got '" + name + "'");
    }
    if (!fs::is_regular_file(job / name)) {
        bad(field, "a script in the job folder; there is no " + (job / name).string());
    }
    return name;
}

GuestSpec guest(const nlohmann::json& root, const std::string& role, const fs::path& job) {
    if (!root.contains(role) || !root.at(role).is_object()) {
        bad(role, "an object with at least \"script\"");
    }
    const auto& object = root.at(role);
    only_keys(object, role, {"script", "smp", "memory_mb"});
    GuestSpec spec;
    spec.script = script(object, "script", job);
    if (object.contains("smp")) {
        spec.smp = integer(object, "smp", role + ".smp", 1, 64);
    }
    if (object.contains("memory_mb")) {
        spec.memory_mb = integer(object, "memory_mb", role + ".memory_mb", 256, 65536);
    }
    return spec;
}

Forward forward(const nlohmann::json& value, std::size_t index) {
    const auto where = "forwards[" + std::to_string(index) + "]";
    if (!value.is_object()) {
        bad(where, R"(an object {"guest": "10.0.2.X:PORT", "host_port": PORT})");
    }
    only_keys(value, where, {"guest", "host_port"});
    Forward forward;
    const auto guest = value.value("guest", std::string());
    const auto colon = guest.rfind(':');
    if (colon == std::string::npos) {
        bad(where + ".guest", "ADDRESS:PORT, got '" + guest + "'");
    }
    forward.guest_address = guest.substr(0, colon);
    try {
        std::size_t used = 0;
        forward.guest_port = std::stoi(guest.substr(colon + 1), &used);
        if (used != guest.size() - colon - 1) {
            bad(where + ".guest", "ADDRESS:PORT, got '" + guest + "'");
        }
    } catch (const std::logic_error&) {
        bad(where + ".guest", "ADDRESS:PORT, got '" + guest + "'");
    }
    if (!value.contains("host_port")) {
        bad(where + ".host_port", "a port on 127.0.0.1");
    }
    forward.host_port = integer(value, "host_port", where + ".host_port", 1, 65535);
    // The address and port ranges are checked where the QEMU arguments are made.
    nic_arguments({}, {forward});
    return forward;
}

}  // namespace

JobSpec read_job_spec(const fs::path& job) {
    JobSpec spec;
    const auto file = job / "hil.json";
    if (!fs::is_directory(job) || !fs::exists(file)) {
        return spec;
    }
    std::ifstream in(file);
    const auto root = nlohmann::json::parse(in, nullptr, false);
    if (root.is_discarded() || !root.is_object()) {
        bad("hil.json", "a JSON object (" + file.string() + " does not parse)");
    }
    only_keys(root, "",
              {"topology", "links", "target", "initiator", "host_script", "forwards", "comment"});
    const auto topology = root.value("topology", std::string("single"));
    if (topology == "pair") {
        spec.topology = Topology::pair;
        if (!root.contains("links")) {
            bad("links", "the number of links between the two guests (1..4)");
        }
        spec.links = integer(root, "links", "links", 1, 4);
        spec.target = guest(root, "target", job);
        spec.initiator = guest(root, "initiator", job);
        if (root.contains("host_script") || root.contains("forwards")) {
            bad("topology", R"("single" for a job with host_script or forwards)");
        }
        return spec;
    }
    if (topology != "single") {
        bad("topology", R"("single" or "pair", got ')" + topology + "'");
    }
    if (root.contains("links") || root.contains("target") || root.contains("initiator")) {
        bad("topology", R"("pair" for a job with links, target or initiator)");
    }
    if (root.contains("host_script")) {
        spec.host_script = script(root, "host_script", job);
    }
    if (root.contains("forwards")) {
        const auto& forwards = root.at("forwards");
        if (!forwards.is_array()) {
            bad("forwards", R"(an array of {"guest": "10.0.2.X:PORT", "host_port": PORT})");
        }
        for (std::size_t index = 0; index < forwards.size(); ++index) {
            spec.forwards.push_back(forward(forwards.at(index), index));
        }
    }
    return spec;
}

}  // namespace brick::hil
