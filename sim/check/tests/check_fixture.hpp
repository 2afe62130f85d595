#pragma once
// Helpers of the invariant checker's tests: volumes of the example fabrics as
// the checker knows them, and operations run under the checker.

#include <string>
#include <vector>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "sim/check/checker.hpp"
#include "sim/model/identity.hpp"
#include "sim_fixture.hpp"

namespace brick::sim::test {

inline constexpr const char* chap_portal = "192.168.122.10:3260";
inline constexpr const char* nvme_nqn = "nqn.2026-01.org.brickworks:two-ports";
inline constexpr std::int64_t generous_budget_ms = 600000;

// An iSCSI volume of a fabric: a LUN of a target, reached through portals.
inline check::VolumeRef iscsi_volume(SimHost& host, const std::string& name,
                                     const std::string& fabric_volume, const std::string& iqn,
                                     std::uint64_t lun, const std::vector<std::string>& portals) {
    check::VolumeRef ref;
    ref.name = name;
    ref.backing = {fabric_volume};
    ref.wwid = scsi_id(host.model().fabric().volumes.at(fabric_volume).designators);
    ref.lun = lun;
    for (const auto& portal : portals) {
        ref.paths.push_back({iqn, *parse_portal(portal)});
    }
    return ref;
}

inline check::VolumeRef nvme_volume(const std::string& name, const std::string& fabric_volume,
                                    const std::vector<std::string>& portals) {
    check::VolumeRef ref;
    ref.name = name;
    ref.backing = {fabric_volume};
    for (const auto& portal : portals) {
        ref.paths.push_back({nvme_nqn, *parse_portal(portal, 4420)});
    }
    return ref;
}

inline nlohmann::json chap_volume_properties(std::uint64_t lun) {
    return {{"target_portal", chap_portal},
            {"target_iqn", chap_iqn},
            {"target_lun", lun},
            {"auth_method", "CHAP"},
            {"auth_username", "chapuser"},
            {"auth_password", "chapsecret-7f3a"}};
}

inline nlohmann::json multipath_properties() {
    return {{"target_portals", {"192.168.122.10:3260", "[2001:db8::10]:3260"}},
            {"target_iqns", {mp_iqn, mp_iqn}},
            {"target_luns", {1, 1}}};
}

// Runs body as an operation of the checker; returns the device a connect gave.
template <typename Body>
std::optional<DeviceInfo> watched(check::Checker& checker, check::OperationKind kind,
                                  const std::string& volume, Body body, bool force = false) {
    const int id = checker.begin({kind, volume, force, false, generous_budget_ms});
    try {
        std::optional<DeviceInfo> device;
        if constexpr (std::is_same_v<decltype(body()), DeviceInfo>) {
            device = body();
        } else {
            body();
        }
        checker.end(id, {std::nullopt, "", device});
        return device;
    } catch (const Error& e) {
        checker.end(id, {e.category(), e.message(), std::nullopt});
        return std::nullopt;
    }
}

inline std::vector<check::Rule> rules_of(const std::vector<check::Finding>& findings) {
    std::vector<check::Rule> rules;
    for (const auto& f : findings) {
        rules.push_back(f.rule);
    }
    return rules;
}

inline std::string describe(const std::vector<check::Finding>& findings) {
    std::string text;
    for (const auto& f : findings) {
        text += f.to_string() + "\n";
    }
    return text;
}

}  // namespace brick::sim::test
