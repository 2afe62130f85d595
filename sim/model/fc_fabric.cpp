// The "fc" section of a fabric file: this host's HBA ports, the storage
// arrays' FC targets with their ports and the LUNs they map to this host,
// and the switch's zoning.
//
//   "fc": {"hbas": [{"wwpn": "10000090fa0d6f91", "wwnn": "20000090fa0d6f91",
//                    "pci_address": "0000:05:00.0", "driver": "qla2xxx",
//                    "port_state": "Online"}],
//          "targets": [{"wwnn": "500a098089000001",
//                       "ports": ["500a098189000001", "500a098289000001"],
//                       "luns": [{"lun": 1, "size": 1073741824, "volume": "vol-fc",
//                                 "designators": [{"type": "naa", "value": "600a0980..."}]}]}],
//          "zones": [{"name": "fabric-a", "members": ["10000090fa0d6f91", "500a098189000001"]}],
//          "dev_loss_tmo_s": 30}
//
// WWNs are 16 hex digits (a 0x prefix and upper case are accepted and
// normalised). Without "zones" every HBA port sees every target port.
#include <algorithm>
#include <cctype>
#include <set>

#include "sim/model/fabric.hpp"

namespace brick::sim {
namespace {

using json = nlohmann::json;

std::string text(const json& object, const std::string& pointer, const char* key,
                 std::string fallback) {
    if (!object.contains(key)) {
        return fallback;
    }
    const auto& v = object[key];
    if (!v.is_string() || v.get<std::string>().empty()) {
        throw FabricError(pointer + "/" + key, "expected a non-empty string");
    }
    return v.get<std::string>();
}

std::string wwn(const json& value, const std::string& pointer) {
    if (!value.is_string()) {
        throw FabricError(pointer, "expected a WWN: 16 hex digits");
    }
    auto name = value.get<std::string>();
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name.rfind("0x", 0) == 0) {
        name.erase(0, 2);
    }
    if (name.size() != 16 || name.find_first_not_of("0123456789abcdef") != std::string::npos) {
        throw FabricError(pointer, "expected a WWN: 16 hex digits");
    }
    return name;
}

std::string required_wwn(const json& object, const std::string& pointer, const char* key) {
    if (!object.contains(key)) {
        throw FabricError(pointer + "/" + key, "required, a WWN (16 hex digits)");
    }
    return wwn(object[key], pointer + "/" + key);
}

const json& array(const json& object, const std::string& pointer, const char* key, bool required) {
    static const json empty = json::array();
    if (!object.contains(key)) {
        if (required) {
            throw FabricError(pointer + "/" + key, "required, an array");
        }
        return empty;
    }
    if (!object[key].is_array()) {
        throw FabricError(pointer + "/" + key, "expected an array");
    }
    return object[key];
}

bool is_pci_address(const std::string& text) {
    if (text.size() != 12 || text[4] != ':' || text[7] != ':' || text[10] != '.') {
        return false;
    }
    return std::all_of(text.begin(), text.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
    });
}

FcHba parse_hba(const json& spec, const std::string& pointer, std::size_t index) {
    only_keys(spec, pointer, {"wwpn", "wwnn", "pci_address", "driver", "port_state"},
              CommentKeys::allowed);
    FcHba hba;
    hba.wwpn = required_wwn(spec, pointer, "wwpn");
    hba.wwnn =
        spec.contains("wwnn") ? wwn(spec["wwnn"], pointer + "/wwnn") : "2" + hba.wwpn.substr(1);
    // Two-port HBAs: functions 0 and 1 of one device, then the next device.
    const auto device = std::to_string(5 + index / 2);
    hba.pci_address = text(spec, pointer, "pci_address",
                           "0000:" + std::string(device.size() < 2 ? "0" : "") + device + ":00." +
                               std::to_string(index % 2));
    if (!is_pci_address(hba.pci_address)) {
        throw FabricError(pointer + "/pci_address", "a PCI address: dddd:bb:dd.f");
    }
    hba.driver = text(spec, pointer, "driver", hba.driver);
    if (hba.driver != "qla2xxx" && hba.driver != "lpfc") {
        throw FabricError(pointer + "/driver", "qla2xxx or lpfc");
    }
    hba.port_state = text(spec, pointer, "port_state", hba.port_state);
    if (hba.port_state != "Online" && hba.port_state != "Linkdown") {
        throw FabricError(pointer + "/port_state", "Online or Linkdown");
    }
    return hba;
}

}  // namespace

bool FcFabric::zoned(const std::string& initiator, const std::string& target) const {
    if (!zones) {
        return true;
    }
    return std::any_of(zones->begin(), zones->end(), [&](const FcZone& zone) {
        const auto& m = zone.members;
        return std::find(m.begin(), m.end(), initiator) != m.end() &&
               std::find(m.begin(), m.end(), target) != m.end();
    });
}

FcTarget* FcFabric::target_with_port(const std::string& wwpn) {
    for (auto& target : targets) {
        if (std::find(target.ports.begin(), target.ports.end(), wwpn) != target.ports.end()) {
            return &target;
        }
    }
    return nullptr;
}

const FcTarget* FcFabric::target_with_port(const std::string& wwpn) const {
    for (const auto& target : targets) {
        if (std::find(target.ports.begin(), target.ports.end(), wwpn) != target.ports.end()) {
            return &target;
        }
    }
    return nullptr;
}

FcTarget* FcFabric::find_target(const std::string& name) {
    for (auto& target : targets) {
        if (target.wwnn == name) {
            return &target;
        }
    }
    return target_with_port(name);
}

void parse_fc_section(const json& section, Fabric& fabric) {
    const std::string root = "/fc";
    only_keys(section, root, {"hbas", "targets", "zones", "dev_loss_tmo_s"}, CommentKeys::allowed);
    auto& fc = fabric.fc;
    std::set<std::string> names;  // every port WWPN is unique in a fabric
    const auto unique = [&](const std::string& name, const std::string& pointer) {
        if (!names.insert(name).second) {
            throw FabricError(pointer, "duplicate WWPN " + name);
        }
    };
    const auto& hbas = array(section, root, "hbas", true);
    if (hbas.empty() || hbas.size() > 16) {
        throw FabricError(root + "/hbas", "one to 16 HBA ports");
    }
    for (std::size_t i = 0; i < hbas.size(); ++i) {
        const auto pointer = root + "/hbas/" + std::to_string(i);
        auto hba = parse_hba(hbas[i], pointer, i);
        unique(hba.wwpn, pointer + "/wwpn");
        fc.hbas.push_back(std::move(hba));
    }
    const auto& targets = array(section, root, "targets", false);
    for (std::size_t t = 0; t < targets.size(); ++t) {
        const auto pointer = root + "/targets/" + std::to_string(t);
        const auto& spec = targets[t];
        only_keys(spec, pointer, {"wwnn", "ports", "luns"}, CommentKeys::allowed);
        FcTarget target;
        target.wwnn = required_wwn(spec, pointer, "wwnn");
        const auto& ports = array(spec, pointer, "ports", true);
        if (ports.empty()) {
            throw FabricError(pointer + "/ports", "at least one target port WWPN");
        }
        for (std::size_t p = 0; p < ports.size(); ++p) {
            const auto port_pointer = pointer + "/ports/" + std::to_string(p);
            auto name = wwn(ports[p], port_pointer);
            unique(name, port_pointer);
            target.ports.push_back(std::move(name));
        }
        const auto& luns = array(spec, pointer, "luns", false);
        for (std::size_t l = 0; l < luns.size(); ++l) {
            const auto lun_pointer = pointer + "/luns/" + std::to_string(l);
            const auto& lun_spec = luns[l];
            if (!lun_spec.is_object() || !lun_spec.contains("lun") ||
                !lun_spec["lun"].is_number_unsigned()) {
                throw FabricError(lun_pointer + "/lun", "required, a non-negative integer");
            }
            const auto number = lun_spec["lun"].get<std::uint64_t>();
            if (number > 16383) {
                throw FabricError(lun_pointer + "/lun", "at most 16383 (flat addressing)");
            }
            if (std::any_of(target.luns.begin(), target.luns.end(),
                            [&](const Lun& existing) { return existing.number == number; })) {
                throw FabricError(lun_pointer + "/lun", "duplicate LUN");
            }
            auto volume =
                parse_volume(lun_spec, lun_pointer, target.wwnn + ":lun" + std::to_string(number));
            if (fabric.volumes.contains(volume.id)) {
                throw FabricError(lun_pointer + "/volume", "duplicate volume " + volume.id);
            }
            target.luns.push_back(Lun{number, volume.id});
            fabric.volumes.emplace(volume.id, std::move(volume));
        }
        fc.targets.push_back(std::move(target));
    }
    if (section.contains("zones")) {
        const auto& zones = array(section, root, "zones", true);
        fc.zones.emplace();
        for (std::size_t z = 0; z < zones.size(); ++z) {
            const auto pointer = root + "/zones/" + std::to_string(z);
            only_keys(zones[z], pointer, {"name", "members"}, CommentKeys::allowed);
            FcZone zone;
            zone.name = text(zones[z], pointer, "name", "zone" + std::to_string(z));
            const auto& members = array(zones[z], pointer, "members", true);
            for (std::size_t m = 0; m < members.size(); ++m) {
                const auto member_pointer = pointer + "/members/" + std::to_string(m);
                auto name = wwn(members[m], member_pointer);
                if (!names.contains(name)) {
                    throw FabricError(member_pointer,
                                      "not a port of this fabric (an HBA or target port WWPN)");
                }
                zone.members.push_back(std::move(name));
            }
            fc.zones->push_back(std::move(zone));
        }
    }
    if (section.contains("dev_loss_tmo_s")) {
        const auto& v = section["dev_loss_tmo_s"];
        if (!v.is_number_unsigned() || v.get<std::uint64_t>() == 0 ||
            v.get<std::uint64_t>() > 3600) {
            throw FabricError(root + "/dev_loss_tmo_s", "1 to 3600 seconds");
        }
        fc.dev_loss_tmo_s = v.get<unsigned>();
    }
}

}  // namespace brick::sim
