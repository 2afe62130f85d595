#include "sim/faults/faults.hpp"

#include <fnmatch.h>

#include <array>
#include <stdexcept>
#include <utility>

namespace brick::sim {
namespace {

constexpr std::array<std::pair<FaultKind, std::string_view>, 28> names = {{
    {FaultKind::portal_unreachable, "portal_unreachable"},
    {FaultKind::login_timeout, "login_timeout"},
    {FaultKind::login_slow, "login_slow"},
    {FaultKind::auth_failure, "auth_failure"},
    {FaultKind::lun_removed, "lun_removed"},
    {FaultKind::lun_remapped, "lun_remapped"},
    {FaultKind::device_late, "device_late"},
    {FaultKind::device_never, "device_never"},
    {FaultKind::udev_link_missing, "udev_link_missing"},
    {FaultKind::empty_wwid, "empty_wwid"},
    {FaultKind::path_offline, "path_offline"},
    {FaultKind::session_drop, "session_drop"},
    {FaultKind::multipathd_down, "multipathd_down"},
    {FaultKind::iscsid_down, "iscsid_down"},
    {FaultKind::tool_hangs, "tool_hangs"},
    {FaultKind::session_read_race, "session_read_race"},
    {FaultKind::sysfs_write_fails, "sysfs_write_fails"},
    {FaultKind::sysfs_write_blocks, "sysfs_write_blocks"},
    {FaultKind::device_held_open, "device_held_open"},
    {FaultKind::map_queue_if_no_path, "map_queue_if_no_path"},
    {FaultKind::map_late, "map_late"},
    {FaultKind::map_never, "map_never"},
    {FaultKind::map_read_only, "map_read_only"},
    {FaultKind::controller_connecting, "controller_connecting"},
    {FaultKind::ana_inaccessible, "ana_inaccessible"},
    {FaultKind::namespace_removed, "namespace_removed"},
    {FaultKind::device_not_openable, "device_not_openable"},
    {FaultKind::fc_link_down, "fc_link_down"},
}};

constexpr std::array<std::string_view, 13> selectors = {"portal", "iqn",    "lun",  "tool", "path",
                                                        "device", "volume", "wwid", "nqn",  "nsid",
                                                        "hba",    "wwpn",   "wwnn"};

}  // namespace

std::string_view fault_name(FaultKind kind) {
    for (const auto& [k, name] : names) {
        if (k == kind) {
            return name;
        }
    }
    return "unknown";
}

std::optional<FaultKind> fault_from_name(std::string_view name) {
    for (const auto& [k, n] : names) {
        if (n == name) {
            return k;
        }
    }
    return std::nullopt;
}

std::vector<FaultKind> all_fault_kinds() {
    std::vector<FaultKind> kinds;
    kinds.reserve(names.size());
    for (const auto& [k, n] : names) {
        kinds.push_back(k);
    }
    return kinds;
}

bool is_action_fault(FaultKind kind) {
    switch (kind) {
        case FaultKind::lun_removed:
        case FaultKind::lun_remapped:
        case FaultKind::path_offline:
        case FaultKind::session_drop:
        case FaultKind::multipathd_down:
        case FaultKind::iscsid_down:
        case FaultKind::controller_connecting:
        case FaultKind::ana_inaccessible:
        case FaultKind::namespace_removed:
        case FaultKind::fc_link_down:
            return true;
        default:
            return false;
    }
}

FaultSpec parse_fault(const nlohmann::json& spec) {
    if (!spec.is_object() || !spec.contains("fault") || !spec["fault"].is_string()) {
        throw std::invalid_argument(R"(a fault needs "fault": "<name>")");
    }
    const auto name = spec["fault"].get<std::string>();
    const auto kind = fault_from_name(name);
    if (!kind) {
        throw std::invalid_argument("unknown fault " + name);
    }
    FaultSpec fault;
    fault.kind = *kind;
    for (const auto& [key, value] : spec.items()) {
        if (key == "fault") {
            continue;
        }
        if (key == "at_step" || key == "from_step") {
            fault.from_step = value.get<std::uint64_t>();
        } else if (key == "until_step") {
            fault.until_step = value.get<std::uint64_t>();
        } else if (key == "probability") {
            fault.probability = value.get<double>();
            if (fault.probability < 0.0 || fault.probability > 1.0) {
                throw std::invalid_argument("probability of " + name + " must be in [0, 1]");
            }
        } else if (key == "max_fires") {
            fault.max_fires = value.get<unsigned>();
        } else {
            fault.params[key] = value;
        }
    }
    return fault;
}

bool fault_matches(const nlohmann::json& params, const nlohmann::json& context) {
    for (const auto key : selectors) {
        const std::string k(key);
        if (!params.contains(k) || !context.contains(k)) {
            continue;
        }
        const auto& want = params[k];
        const auto& have = context[k];
        if (want.is_string() && have.is_string()) {
            const auto pattern = want.get<std::string>();
            const auto text = have.get<std::string>();
            // Exact first: an IPv6 portal "[2001:db8::1]:3260" is no glob.
            if (pattern != text && fnmatch(pattern.c_str(), text.c_str(), 0) != 0) {
                return false;
            }
        } else if (want != have) {
            return false;
        }
    }
    return true;
}

}  // namespace brick::sim
