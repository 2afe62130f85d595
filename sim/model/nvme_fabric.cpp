// The "nvme" section of a fabric file: NVMe-oF subsystems with their ports,
// namespaces, ANA groups and allowed hosts, and the host's NVMe identity.
#include <algorithm>

#include "brick/core/sysfs_name.hpp"
#include "sim/model/fabric.hpp"

namespace brick::sim {
namespace {

using json = nlohmann::json;

std::string text(const json& object, const std::string& pointer, const char* key,
                 std::string fallback, bool required = false) {
    if (!object.contains(key)) {
        if (required) {
            throw FabricError(pointer + "/" + key, "required, a non-empty string");
        }
        return fallback;
    }
    const auto& v = object[key];
    if (!v.is_string() || (required && v.get<std::string>().empty())) {
        throw FabricError(pointer + "/" + key, "expected a string");
    }
    return v.get<std::string>();
}

std::uint64_t number(const json& object, const std::string& pointer, const char* key,
                     std::uint64_t fallback, std::uint64_t max) {
    if (!object.contains(key)) {
        return fallback;
    }
    const auto& v = object[key];
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() > max) {
        throw FabricError(pointer + "/" + key,
                          "expected a non-negative integer up to " + std::to_string(max));
    }
    return v.get<std::uint64_t>();
}

bool is_hex_text(const std::string& value) {
    return value.find_first_not_of("0123456789abcdef") == std::string::npos;
}

bool is_uuid_text(const std::string& value) {
    if (value.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash != (value[i] == '-') || (!dash && !is_hex_text(value.substr(i, 1)))) {
            return false;
        }
    }
    return true;
}

bool ana_state(const std::string& state) {
    return state == "optimized" || state == "non-optimized" || state == "inaccessible" ||
           state == "persistent-loss" || state == "change";
}

NvmePort parse_port(const json& value, const std::string& pointer, unsigned default_id) {
    only_keys(value, pointer, {"id", "transport", "address", "service_id", "ana"});
    NvmePort port;
    port.id = static_cast<unsigned>(number(value, pointer, "id", default_id, 65535));
    port.transport = text(value, pointer, "transport", "tcp");
    if (port.transport != "tcp" && port.transport != "rdma") {
        throw FabricError(pointer + "/transport", "tcp or rdma");
    }
    port.address = text(value, pointer, "address", "", true);
    port.service_id = static_cast<unsigned>(number(value, pointer, "service_id", 4420, 65535));
    if (value.contains("ana")) {
        const auto& ana = value["ana"];
        if (!ana.is_object()) {
            throw FabricError(pointer + "/ana", "an object: ANA group -> state");
        }
        for (const auto& [group, state] : ana.items()) {
            // ANA group IDs 1..128, as namespaces' ana_group.
            const auto number = number_after(group, "");
            if (!number || *number == 0 || *number > 128 || !state.is_string() ||
                !ana_state(state.get<std::string>())) {
                throw FabricError(std::string(pointer).append("/ana/").append(group),
                                  "a group number 1..128 -> optimized, non-optimized, "
                                  "inaccessible, persistent-loss or change");
            }
            port.ana[*number] = state.get<std::string>();
        }
    }
    return port;
}

}  // namespace

std::string NvmePort::ana_state(unsigned group) const {
    const auto it = ana.find(group);
    return it == ana.end() ? "optimized" : it->second;
}

const NvmeNamespace* NvmeSubsystem::find_namespace(std::uint32_t nsid) const {
    for (const auto& ns : namespaces) {
        if (ns.nsid == nsid) {
            return &ns;
        }
    }
    return nullptr;
}

bool NvmeSubsystem::allows(const std::string& host_nqn) const {
    return allow_any_host ||
           std::find(allowed_hosts.begin(), allowed_hosts.end(), host_nqn) != allowed_hosts.end();
}

NvmeSubsystem* Fabric::find_subsystem(const std::string& nqn) {
    for (auto& s : nvme_subsystems) {
        if (s.nqn == nqn) {
            return &s;
        }
    }
    return nullptr;
}

const NvmeSubsystem* Fabric::find_subsystem(const std::string& nqn) const {
    for (const auto& s : nvme_subsystems) {
        if (s.nqn == nqn) {
            return &s;
        }
    }
    return nullptr;
}

void parse_nvme_section(const nlohmann::json& section, Fabric& fabric) {
    const std::string root = "/nvme";
    only_keys(section, root, {"host_nqn", "host_id", "cli_version", "subsystems"});
    auto& host = fabric.nvme_host;
    host.host_nqn = text(section, root, "host_nqn", host.host_nqn);
    host.host_id = text(section, root, "host_id", host.host_id);
    host.cli_version = text(section, root, "cli_version", host.cli_version);
    if (host.cli_version != "2.3" && host.cli_version != "1.16") {
        throw FabricError(root + "/cli_version", R"("2.3" or "1.16")");
    }
    if (!host.host_id.empty() && !is_uuid_text(host.host_id)) {
        throw FabricError(root + "/host_id", "a lower-case UUID");
    }
    if (!section.contains("subsystems")) {
        return;
    }
    const auto& subsystems = section["subsystems"];
    if (!subsystems.is_array()) {
        throw FabricError(root + "/subsystems", "expected an array");
    }
    for (std::size_t i = 0; i < subsystems.size(); ++i) {
        const auto pointer = root + "/subsystems/" + std::to_string(i);
        const auto& s = subsystems[i];
        only_keys(s, pointer,
                  {"nqn", "serial", "model", "firmware", "allow_any_host", "allowed_hosts", "ports",
                   "namespaces"});
        NvmeSubsystem subsystem;
        subsystem.nqn = text(s, pointer, "nqn", "", true);
        if (subsystem.nqn.rfind("nqn.", 0) != 0 || subsystem.nqn.size() > 223) {
            throw FabricError(pointer + "/nqn", "an NQN: nqn.yyyy-mm.<domain>:<name>, 223 bytes");
        }
        if (fabric.find_subsystem(subsystem.nqn) != nullptr) {
            throw FabricError(pointer + "/nqn", "duplicate subsystem " + subsystem.nqn);
        }
        subsystem.serial = text(s, pointer, "serial", "brick" + std::to_string(1000000000 + i));
        subsystem.model = text(s, pointer, "model", subsystem.model);
        subsystem.firmware = text(s, pointer, "firmware", subsystem.firmware);
        if (s.contains("allow_any_host") && !s["allow_any_host"].is_boolean()) {
            throw FabricError(pointer + "/allow_any_host", "expected a boolean");
        }
        if (s.contains("allowed_hosts")) {
            const auto& hosts = s["allowed_hosts"];
            if (!hosts.is_array()) {
                throw FabricError(pointer + "/allowed_hosts", "an array of host NQNs");
            }
            for (const auto& h : hosts) {
                if (!h.is_string()) {
                    throw FabricError(pointer + "/allowed_hosts", "an array of host NQNs");
                }
                subsystem.allowed_hosts.push_back(h.get<std::string>());
            }
        }
        subsystem.allow_any_host = s.value("allow_any_host", !s.contains("allowed_hosts"));
        if (!s.contains("ports") || !s["ports"].is_array() || s["ports"].empty()) {
            throw FabricError(pointer + "/ports", "required, a non-empty array of ports");
        }
        for (std::size_t p = 0; p < s["ports"].size(); ++p) {
            auto port = parse_port(s["ports"][p], pointer + "/ports/" + std::to_string(p),
                                   static_cast<unsigned>(p + 1));
            subsystem.ports.push_back(std::move(port));
        }
        if (!s.contains("namespaces") || !s["namespaces"].is_array()) {
            throw FabricError(pointer + "/namespaces", "required, an array of namespaces");
        }
        for (std::size_t n = 0; n < s["namespaces"].size(); ++n) {
            const auto np = pointer + "/namespaces/" + std::to_string(n);
            const auto& spec = s["namespaces"][n];
            only_keys(spec, np,
                      {"nsid", "size", "volume", "uuid", "nguid", "ana_group", "block_size"});
            NvmeNamespace ns;
            ns.nsid = static_cast<std::uint32_t>(number(spec, np, "nsid", 0, 0xfffffffeU));
            if (ns.nsid == 0) {
                throw FabricError(np + "/nsid", "required, 1 or more");
            }
            if (subsystem.find_namespace(ns.nsid) != nullptr) {
                throw FabricError(np + "/nsid", "duplicate namespace");
            }
            ns.uuid = text(spec, np, "uuid", "");
            if (!ns.uuid.empty() && !is_uuid_text(ns.uuid)) {
                throw FabricError(np + "/uuid", "a lower-case UUID");
            }
            ns.nguid = text(spec, np, "nguid", "");
            if (!ns.nguid.empty() && (ns.nguid.size() != 32 || !is_hex_text(ns.nguid))) {
                throw FabricError(np + "/nguid", "32 lower-case hex digits");
            }
            ns.ana_group = static_cast<unsigned>(number(spec, np, "ana_group", 1, 128));
            ns.block_size = static_cast<unsigned>(number(spec, np, "block_size", 4096, 4096));
            if (ns.block_size != 512 && ns.block_size != 4096) {
                throw FabricError(np + "/block_size", "512 or 4096");
            }
            Volume volume;
            volume.id = text(spec, np, "volume", subsystem.nqn + ":ns" + std::to_string(ns.nsid));
            const auto size = number(spec, np, "size", 0, 1ULL << 50U);
            if (size == 0 || size % ns.block_size != 0) {
                throw FabricError(np + "/size", "required, a positive multiple of the block size");
            }
            volume.size_bytes = size;
            volume.serial = subsystem.serial;
            volume.vendor = "NVMe";
            volume.model = subsystem.model;
            if (fabric.volumes.contains(volume.id)) {
                throw FabricError(np + "/volume", "duplicate volume " + volume.id);
            }
            ns.volume_id = volume.id;
            fabric.volumes.emplace(volume.id, std::move(volume));
            subsystem.namespaces.push_back(std::move(ns));
        }
        fabric.nvme_subsystems.push_back(std::move(subsystem));
    }
}

}  // namespace brick::sim
