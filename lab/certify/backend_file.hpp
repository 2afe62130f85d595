#pragma once
// The backend file a vendor writes for `brick-lab certify` (format:
// certify/schema/backend.schema.json, described in certify/README.md):
// identity, protocols, declared capabilities, the provisioner command and
// where the initiator side runs. Loaded once into typed values.

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "brick/host/host.hpp"

namespace brick::lab::certify {

enum class RunsOn { local, simulator, guest };

struct ProtocolOffer {
    std::string protocol;   // iscsi, nvmeof
    std::string transport;  // tcp, rdma
    std::string label() const { return protocol + "/" + transport; }
};

struct BackendFile {
    std::filesystem::path file;  // absolute
    std::string name;
    std::string vendor;
    std::string product;
    std::string firmware;
    std::string description;
    std::vector<ProtocolOffer> protocols;
    std::set<std::string> capabilities;
    std::vector<std::string> command;  // as written in the file
    Duration timeout{60000};
    bool fault_hooks = false;
    RunsOn runs_on = RunsOn::local;
    std::string guest_target;  // lio, tgt, nvmet with RunsOn::guest
    int guest_timeout_seconds = 900;
    int volume_size_gib = 1;
    int repeat = 3;
    int concurrent_volumes = 4;
    int io_mib = 8;
    int device_timeout_seconds = 20;
    int command_timeout_seconds = 30;
    int multipath_timeout_seconds = 10;

    bool declares(const std::string& capability) const {
        return capabilities.count(capability) != 0;
    }
    // The provisioner's argument vector: a first element with a slash is
    // resolved against the file's folder, "{work}" is replaced by work.
    std::vector<std::string> provisioner_argv(const std::filesystem::path& work) const;
};

// Every capability a backend file may declare, in report order.
const std::vector<std::string>& all_capabilities();

// Loads and checks a backend file. Errors (invalid_properties) name the file,
// the place in the document and what was expected; unknown fields are errors.
BackendFile load_backend_file(const std::filesystem::path& file);

// The folder holding the schema, the reference backends and provisioners.
std::filesystem::path certify_root();

}  // namespace brick::lab::certify
