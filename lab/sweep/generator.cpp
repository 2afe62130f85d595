#include "generator.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <random>
#include <set>
#include <vector>

namespace brick::lab {
namespace {

using nlohmann::json;

// The seeded choices of one document.
class Draw {
  public:
    explicit Draw(std::uint64_t seed) : engine_(seed * 0x9E3779B97F4A7C15ULL + 0x5eed) {}
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : engine_() % n; }
    std::uint64_t between(std::uint64_t low, std::uint64_t high) {
        return low + below(high - low + 1);
    }
    bool percent(unsigned p) { return below(100) < p; }
    template <typename T>
    const T& pick(const std::vector<T>& items) {
        return items.at(static_cast<std::size_t>(below(items.size())));
    }
    std::string hex(std::size_t digits) {
        static const char* alphabet = "0123456789abcdef";
        std::string text;
        for (std::size_t i = 0; i < digits; ++i) {
            text += alphabet[below(16)];
        }
        return text;
    }

  private:
    std::mt19937_64 engine_;
};

// What the generator knows of one volume.
struct VolumePlan {
    std::string name;
    std::string target;     // IQN or NQN
    std::uint64_t lun = 0;  // iSCSI LUN or NVMe NSID
    std::uint64_t size_mib = 8;
    bool multipath = false;
    bool knows_wwid = false;  // iSCSI: the properties carry scsi_wwn
    std::vector<std::string> portals;
    bool replicated = false;
};

struct Plan {
    json fabric = json::object();
    json volumes = json::object();
    std::vector<VolumePlan> plans;
    std::vector<std::string> portals;  // every portal of the fabric
};

// CHAP credentials come from a small fixed set: every password a scenario
// names is registered as a secret for the life of the process.
json chap_for(unsigned index, bool mutual) {
    json chap{{"username", "sweep-user-" + std::to_string(index)},
              {"password", "sweep-secret-" + std::to_string(index) + "-7f3a9c"}};
    if (mutual) {
        chap["username_in"] = "sweep-target-" + std::to_string(index);
        chap["password_in"] = "sweep-mutual-" + std::to_string(index) + "-4b1e2d";
    }
    return chap;
}

Plan iscsi_fabric(Draw& draw, unsigned max_volumes) {
    Plan plan;
    json targets = json::array();
    const auto target_count = draw.between(1, 2);
    const std::vector<std::uint64_t> lun_numbers = {0, 1, 2, 3, 7, 255, 256, 300};
    for (std::uint64_t t = 0; t < target_count; ++t) {
        json target;
        target["iqn"] = "iqn.2003-01.org.brickworks.sweep:t" + std::to_string(t + 1);
        json portals = json::array();
        const auto portal_count = draw.percent(15) ? 3 : draw.between(1, 2);
        for (std::uint64_t p = 0; p < portal_count; ++p) {
            const auto portal =
                "127.0." + std::to_string(t + 1) + "." + std::to_string(p + 1) + ":3260";
            portals.push_back(portal);
            plan.portals.push_back(portal);
        }
        target["portals"] = portals;
        if (draw.percent(35)) {
            target["chap"] = chap_for(static_cast<unsigned>(t + 1), draw.percent(30));
        }
        if (draw.percent(15)) {
            target["discovery_chap"] = chap_for(static_cast<unsigned>(t + 11), false);
        }
        json luns = json::array();
        std::set<std::uint64_t> used;
        const auto lun_count = draw.between(1, 3);
        while (used.size() < lun_count) {
            used.insert(draw.pick(lun_numbers));
        }
        for (const auto lun : used) {
            luns.push_back(
                {{"lun", lun}, {"size_mib", draw.between(4, 16)}, {"serial", draw.hex(32)}});
        }
        target["luns"] = luns;
        targets.push_back(target);
    }
    plan.fabric["iscsi_targets"] = targets;
    // Volumes: LUNs in a random order, at most max_volumes.
    std::vector<std::pair<std::size_t, std::size_t>> slots;
    for (std::size_t t = 0; t < targets.size(); ++t) {
        for (std::size_t l = 0; l < targets[t]["luns"].size(); ++l) {
            slots.emplace_back(t, l);
        }
    }
    for (std::size_t i = slots.size(); i > 1; --i) {
        std::swap(slots[i - 1], slots[static_cast<std::size_t>(draw.below(i))]);
    }
    slots.resize(std::min<std::size_t>(slots.size(), max_volumes));
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const auto& target = targets[slots[i].first];
        const auto& lun = target["luns"][slots[i].second];
        VolumePlan v;
        v.name = "v" + std::to_string(i + 1);
        v.target = target["iqn"];
        v.lun = lun["lun"];
        v.size_mib = lun["size_mib"];
        v.multipath = target["portals"].size() > 1 ? draw.percent(70) : draw.percent(10);
        v.knows_wwid = draw.percent(40);
        for (const auto& p : target["portals"]) {
            v.portals.push_back(p);
        }
        json spec{{"target", v.target}, {"lun", v.lun}};
        if (v.multipath) {
            spec["multipath"] = true;
            if (draw.percent(10)) {
                spec["enforce_multipath"] = true;
            }
        }
        if (v.knows_wwid) {
            spec["properties"] = {
                {"scsi_wwn", "36001405" + lun["serial"].get<std::string>().substr(0, 25)}};
        }
        plan.volumes[v.name] = spec;
        plan.plans.push_back(v);
    }
    return plan;
}

Plan nvme_fabric(Draw& draw, unsigned max_volumes) {
    Plan plan;
    json subsystems = json::array();
    const auto count = draw.between(1, 2);
    for (std::uint64_t s = 0; s < count; ++s) {
        json subsystem;
        subsystem["nqn"] = "nqn.2014-08.org.brickworks.sweep:s" + std::to_string(s + 1);
        json ports = json::array();
        const auto port_count = draw.between(1, 2);
        for (std::uint64_t p = 0; p < port_count; ++p) {
            const auto portal =
                "127.0." + std::to_string(s + 1) + "." + std::to_string(p + 1) + ":4420";
            json port{{"portal", portal}};
            if (draw.percent(20)) {
                port["transport"] = "rdma";
            }
            ports.push_back(port);
            plan.portals.push_back(portal);
        }
        subsystem["ports"] = ports;
        json namespaces = json::array();
        const auto ns_count = draw.between(1, 3);
        for (std::uint64_t n = 0; n < ns_count; ++n) {
            json ns{{"nsid", n + 1}, {"size_mib", draw.between(4, 16)}};
            const auto kind = draw.below(10);
            if (kind < 7) {
                ns["uuid"] = draw.hex(8) + "-" + draw.hex(4) + "-4" + draw.hex(3) + "-8" +
                             draw.hex(3) + "-" + draw.hex(12);
            }
            if (kind >= 5) {
                ns["nguid"] = draw.hex(32);
            }
            namespaces.push_back(ns);
        }
        subsystem["namespaces"] = namespaces;
        subsystems.push_back(subsystem);
    }
    plan.fabric["nvme_subsystems"] = subsystems;
    std::vector<std::pair<std::size_t, std::size_t>> slots;
    for (std::size_t s = 0; s < subsystems.size(); ++s) {
        for (std::size_t n = 0; n < subsystems[s]["namespaces"].size(); ++n) {
            slots.emplace_back(s, n);
        }
    }
    for (std::size_t i = slots.size(); i > 1; --i) {
        std::swap(slots[i - 1], slots[static_cast<std::size_t>(draw.below(i))]);
    }
    // A RAID1 over two namespaces of different subsystems, sometimes.
    const bool raid = subsystems.size() > 1 && draw.percent(20);
    std::size_t next = 0;
    unsigned index = 1;
    if (raid) {
        std::vector<std::pair<std::size_t, std::size_t>> legs;
        for (const auto& slot : slots) {
            if (legs.empty() || legs.front().first != slot.first) {
                legs.push_back(slot);
            }
            if (legs.size() == 2) {
                break;
            }
        }
        json replicas = json::array();
        VolumePlan v;
        v.name = "v" + std::to_string(index++);
        v.replicated = true;
        for (const auto& [s, n] : legs) {
            replicas.push_back({{"subsystem", subsystems[s]["nqn"]},
                                {"nsid", subsystems[s]["namespaces"][n]["nsid"]}});
            v.target = subsystems[s]["nqn"];
            v.lun = subsystems[s]["namespaces"][n]["nsid"];
            v.size_mib = subsystems[s]["namespaces"][n]["size_mib"];
        }
        plan.volumes[v.name] = {{"replicas", replicas}};
        plan.plans.push_back(v);
        std::erase_if(slots, [&](const auto& slot) {
            return std::find(legs.begin(), legs.end(), slot) != legs.end();
        });
    }
    for (; next < slots.size() && plan.plans.size() < max_volumes; ++next) {
        const auto& subsystem = subsystems[slots[next].first];
        const auto& ns = subsystem["namespaces"][slots[next].second];
        VolumePlan v;
        v.name = "v" + std::to_string(index++);
        v.target = subsystem["nqn"];
        v.lun = ns["nsid"];
        v.size_mib = ns["size_mib"];
        for (const auto& p : subsystem["ports"]) {
            v.portals.push_back(p["portal"]);
        }
        json spec{{"subsystem", v.target}, {"nsid", v.lun}};
        v.multipath = subsystem["ports"].size() > 1 && draw.percent(70);
        if (v.multipath) {
            spec["multipath"] = true;
        } else if (draw.percent(20)) {
            spec["format"] = "old";
        }
        plan.volumes[v.name] = spec;
        plan.plans.push_back(v);
    }
    return plan;
}

// A device that appears but does not open (device_not_openable) stands in
// for the fault drawn, decided by a draw of its own so the schedule of every
// other fault of every seed stays as it is.
std::optional<json> not_openable_fault(std::uint64_t seed, unsigned number, std::size_t kinds,
                                       const std::vector<std::string>& devices) {
    Draw own(seed * 7919 + number + 0x0be4ULL * 1000003);
    if (own.below(kinds + 1) != 0) {
        return std::nullopt;
    }
    json params = {{"path", own.pick(devices)}};
    if (own.percent(50)) {
        params["max_fires"] = own.between(1, 40);
    }
    params["fault"] = "device_not_openable";
    return params;
}

// A dm-multipath map of a volume that forms late or never (map_late,
// map_never) stands in for the fault drawn, decided by a draw of its own as
// device_not_openable is, so the schedules of other seeds stay as they are.
std::optional<json> map_fault(std::uint64_t seed, unsigned number, std::size_t kinds,
                              const VolumePlan& volume) {
    Draw own(seed * 7927 + number + 0x3a9ULL * 1000003);
    if (own.below(kinds + 2) != 0) {
        return std::nullopt;
    }
    json params = {{"lun", volume.lun}};
    if (own.percent(50)) {
        params["fault"] = "map_never";
    } else {
        params["fault"] = "map_late";
        params["delay_ms"] = own.between(200, 25000);
    }
    return params;
}

// A portal that answers a login late (login_slow: a multipath path that
// comes after the connect returned) stands in for the fault drawn, decided
// by a draw of its own as device_not_openable is.
std::optional<json> slow_login_fault(std::uint64_t seed, unsigned number, std::size_t kinds,
                                     const VolumePlan& volume) {
    Draw own(seed * 7933 + number + 0x51dULL * 1000003);
    if (own.below(kinds + 1) != 0) {
        return std::nullopt;
    }
    return json{{"fault", "login_slow"},
                {"portal", own.pick(volume.portals)},
                {"ms", own.between(500, 25000)}};
}

// Where a fault applies: selectors drawn from the fabric.
json iscsi_fault(Draw& draw, const Plan& plan, std::uint64_t seed, unsigned number) {
    const auto& volume = draw.pick(plan.plans);
    const std::vector<std::string> kinds = {
        "portal_unreachable", "login_timeout",       "auth_failure",      "lun_removed",
        "lun_remapped",       "device_late",         "device_never",      "udev_link_missing",
        "empty_wwid",         "path_offline",        "session_drop",      "multipathd_down",
        "iscsid_down",        "tool_hangs",          "sysfs_write_fails", "sysfs_write_blocks",
        "device_held_open",   "map_queue_if_no_path"};
    auto kind = draw.pick(kinds);
    if (auto openable = not_openable_fault(seed, number, kinds.size(),
                                           {"/dev/sd*", "/dev/dm-*", "/dev/disk/by-*", "*"})) {
        return *openable;
    }
    if (auto map = map_fault(seed, number, kinds.size(), volume)) {
        return *map;
    }
    if (auto slow = slow_login_fault(seed, number, kinds.size(), volume)) {
        return *slow;
    }
    if (kind == "lun_remapped" && !volume.knows_wwid) {
        kind = "lun_removed";  // without scsi_wwn no library can tell the volumes apart
    }
    json params = json::object();
    const auto portal = draw.pick(volume.portals);
    if (kind == "portal_unreachable" || kind == "login_timeout") {
        params["portal"] = portal;
    } else if (kind == "auth_failure") {
        params["iqn"] = volume.target;
    } else if (kind == "lun_removed") {
        params = {{"iqn", volume.target}, {"lun", volume.lun}};
    } else if (kind == "lun_remapped") {
        params = {{"iqn", volume.target},
                  {"lun", volume.lun},
                  {"to",
                   {{"volume", "intruder-" + std::to_string(seed) + "-" + std::to_string(number)},
                    {"size", volume.size_mib * 1024 * 1024},
                    {"designators", {{{"type", "naa"}, {"value", "6001405" + draw.hex(25)}}}}}}};
    } else if (kind == "device_late") {
        params = {{"lun", volume.lun}, {"delay_ms", draw.between(200, 25000)}};
    } else if (kind == "device_never" || kind == "empty_wwid") {
        params = {{"lun", volume.lun}};
    } else if (kind == "udev_link_missing") {
        params = {{"link", draw.pick(std::vector<std::string>{"by-path", "by-id", "all"})}};
    } else if (kind == "path_offline") {
        params = {{"portal", portal}};
    } else if (kind == "session_drop") {
        params = {{"portal", portal},
                  {"recover_ms", draw.percent(30) ? 0 : draw.between(300, 20000)}};
    } else if (kind == "multipathd_down" || kind == "iscsid_down") {
        params = {{"restore_ms", draw.percent(30) ? 0 : draw.between(500, 20000)}};
    } else if (kind == "tool_hangs") {
        params = {{"tool", draw.pick(std::vector<std::string>{"iscsiadm", "multipath", "multipathd",
                                                              "blockdev"})}};
    } else if (kind == "sysfs_write_fails" || kind == "sysfs_write_blocks") {
        params = {{"path", draw.pick(std::vector<std::string>{"*/delete", "*/scan", "*/rescan"})}};
        if (kind == "sysfs_write_fails") {
            params["errno"] = draw.pick(std::vector<std::string>{"EIO", "EBUSY"});
        } else {
            params["ms"] = draw.between(1000, 90000);
        }
    } else if (kind == "device_held_open") {
        params = {{"device", draw.pick(std::vector<std::string>{"sd*", "dm-*", "sdb", "sdc"})}};
    }
    params["fault"] = kind;
    return params;
}

json nvme_fault(Draw& draw, const Plan& plan, std::uint64_t seed, unsigned number) {
    const auto& volume = draw.pick(plan.plans);
    const std::vector<std::string> kinds = {
        "portal_unreachable", "device_late",       "device_never", "controller_connecting",
        "ana_inaccessible",   "namespace_removed", "tool_hangs",   "sysfs_write_fails",
        "sysfs_write_blocks", "device_held_open"};
    const auto& kind = draw.pick(kinds);
    json params = json::object();
    if (auto openable = not_openable_fault(seed, number, kinds.size(),
                                           {"/dev/nvme*", "/dev/md*", "/dev/disk/by-*", "*"})) {
        return *openable;
    }
    const auto portal =
        volume.portals.empty() ? draw.pick(plan.portals) : draw.pick(volume.portals);
    if (kind == "portal_unreachable") {
        params["portal"] = portal;
    } else if (kind == "device_late") {
        params = {
            {"nqn", volume.target}, {"nsid", volume.lun}, {"delay_ms", draw.between(200, 25000)}};
    } else if (kind == "device_never" || kind == "namespace_removed") {
        params = {{"nqn", volume.target}, {"nsid", volume.lun}};
    } else if (kind == "controller_connecting" || kind == "ana_inaccessible") {
        params = {{"nqn", volume.target},
                  {"portal", portal},
                  {"recover_ms", draw.percent(30) ? 0 : draw.between(1000, 30000)}};
    } else if (kind == "tool_hangs") {
        params = {{"tool", draw.pick(std::vector<std::string>{"nvme", "mdadm", "blockdev"})}};
    } else if (kind == "sysfs_write_fails" || kind == "sysfs_write_blocks") {
        params = {
            {"path", draw.pick(std::vector<std::string>{"*/delete_controller", "/dev/nvme-fabrics",
                                                        "*/rescan_controller"})}};
        if (kind == "sysfs_write_fails") {
            params["errno"] = draw.pick(std::vector<std::string>{"EIO", "EBUSY"});
        } else {
            params["ms"] = draw.between(1000, 90000);
        }
    } else if (kind == "device_held_open") {
        params = {{"device", draw.pick(std::vector<std::string>{"nvme*", "md*"})}};
    }
    params["fault"] = kind;
    return params;
}

// A fault step: armed a random number of interactions from now, for a
// while or for good, with a probability per opportunity.
json fault_step(Draw& draw, json spec) {
    json step{{"fault", spec["fault"]}};
    spec.erase("fault");
    spec["after_steps"] = draw.below(200);
    if (draw.percent(70)) {
        spec["for_steps"] = draw.between(10, 600);
    }
    if (draw.percent(30)) {
        spec["probability"] = static_cast<double>(draw.between(2, 8)) / 10.0;
    }
    step["params"] = spec;
    step["expect"] = "any";
    return step;
}

json operation(Draw& draw, const VolumePlan& volume, bool attached, const std::string& protocol,
               std::uint64_t& size_mib, std::uint64_t& pattern) {
    if (!attached) {
        if (draw.percent(8)) {
            json step{{"disconnect", volume.name}, {"expect", "any"}};
            return step;
        }
        json step{{"connect", volume.name}, {"expect", "any"}};
        if (protocol == "iscsi" && draw.percent(25)) {
            step["link"] = draw.percent(50) ? "by-path" : "by-id";
        }
        return step;
    }
    const auto roll = draw.below(100);
    if (roll < 30 || (roll < 42 && pattern == 0)) {
        pattern = draw.between(1, 1000000);
        return {{"write", volume.name}, {"pattern", pattern}, {"mib", 1}, {"expect", "any"}};
    }
    if (roll < 42) {
        // What it wrote last (the checker knows whether that must still be there).
        return {{"verify", volume.name}, {"pattern", pattern}, {"mib", 1}, {"expect", "any"}};
    }
    if (roll < 52) {
        json step{{"extend", volume.name}, {"expect", "any"}};
        if (protocol == "iscsi" && size_mib < 1000 && draw.percent(60)) {
            size_mib += draw.between(1, 8);
            step["size_mib"] = size_mib;
        }
        return step;
    }
    if (roll < 56) {
        return {{"connect", volume.name}, {"expect", "any"}};
    }
    json step{{"disconnect", volume.name}, {"expect", "any"}};
    if (draw.percent(20)) {
        step["force"] = true;
        if (draw.percent(30)) {
            step["ignore_errors"] = true;
        }
    }
    return step;
}

// Every fault healed, every volume disconnected with force: nothing may remain.
void finish(json& steps, const std::set<std::string>& fault_names, const Plan& plan) {
    for (const auto& name : fault_names) {
        steps.push_back({{"heal", name}, {"expect", "any"}});
    }
    // A sysfs write the kernel still works on (a blocked delete_controller,
    // up to 90 s) ends before the last disconnects, as an operator would wait
    // for it: a controller still being deleted is the kernel's, not a leftover.
    if (fault_names.contains("sysfs_write_blocks")) {
        steps.push_back({{"wait_ms", 90000}});
    }
    for (const auto& volume : plan.plans) {
        steps.push_back({{"disconnect", volume.name}, {"force", true}, {"expect", "any"}});
    }
    steps.push_back({{"check", "no_leftovers"}, {"expect", "any"}});
}

}  // namespace

json generate_sweep_scenario(const SweepShape& shape, std::uint64_t seed) {
    Draw draw(seed);
    const bool iscsi = shape.protocol != "nvmeof";
    auto plan =
        iscsi ? iscsi_fabric(draw, shape.max_volumes) : nvme_fabric(draw, shape.max_volumes);
    json steps = json::array();
    std::vector<bool> attached(plan.plans.size(), false);
    std::vector<std::uint64_t> sizes;
    for (const auto& v : plan.plans) {
        sizes.push_back(v.size_mib);
    }
    std::vector<std::uint64_t> patterns(plan.plans.size(), 0);
    std::set<std::string> fault_names;
    // Faults go between operations; the "after_steps" offset lands them inside one.
    const auto operations = draw.between(shape.min_operations, shape.max_operations);
    const auto faults = draw.below(shape.max_faults + 1);
    std::set<std::uint64_t> fault_slots;
    for (std::uint64_t f = 0; f < faults; ++f) {
        fault_slots.insert(draw.below(operations));
    }
    unsigned fault_number = 0;
    for (std::uint64_t i = 0; i < operations; ++i) {
        if (fault_slots.contains(i)) {
            auto spec = iscsi ? iscsi_fault(draw, plan, seed, fault_number)
                              : nvme_fault(draw, plan, seed, fault_number);
            ++fault_number;
            fault_names.insert(spec["fault"].get<std::string>());
            steps.push_back(fault_step(draw, spec));
        }
        if (!fault_names.empty() && draw.percent(8)) {
            const auto& name = *std::next(
                fault_names.begin(), static_cast<std::ptrdiff_t>(draw.below(fault_names.size())));
            steps.push_back({{"heal", name}, {"expect", "any"}});
        }
        if (plan.plans.size() > 1 && draw.percent(shape.concurrency_percent)) {
            // Operations on distinct volumes at once.
            std::vector<std::size_t> order(plan.plans.size());
            for (std::size_t k = 0; k < order.size(); ++k) {
                order[k] = k;
            }
            for (std::size_t k = order.size(); k > 1; --k) {
                std::swap(order[k - 1], order[static_cast<std::size_t>(draw.below(k))]);
            }
            const auto width = std::min<std::size_t>(order.size(), draw.between(2, 3));
            json group = json::array();
            for (std::size_t k = 0; k < width; ++k) {
                const auto v = order[k];
                auto step = operation(draw, plan.plans[v], attached[v], shape.protocol, sizes[v],
                                      patterns[v]);
                if (step.contains("connect")) {
                    attached[v] = true;
                } else if (step.contains("disconnect")) {
                    attached[v] = false;
                }
                group.push_back(step);
            }
            steps.push_back({{"concurrent", group}, {"expect", "any"}});
            continue;
        }
        const auto v = static_cast<std::size_t>(draw.below(plan.plans.size()));
        auto step =
            operation(draw, plan.plans[v], attached[v], shape.protocol, sizes[v], patterns[v]);
        if (step.contains("connect")) {
            attached[v] = true;
        } else if (step.contains("disconnect")) {
            attached[v] = false;
        }
        steps.push_back(step);
    }
    finish(steps, fault_names, plan);
    return {{"name", "sweep-" + shape.protocol + "-seed" + std::to_string(seed)},
            {"description", "generated by brick-lab sweep"},
            {"requires", {{"protocol", shape.protocol}, {"backends", {"sim"}}}},
            {"fabric", plan.fabric},
            {"volumes", plan.volumes},
            {"steps", steps}};
}

json generate_concurrent_scenario(const std::string& protocol, unsigned volumes,
                                  std::uint64_t seed) {
    Draw draw(seed);
    const bool iscsi = protocol != "nvmeof";
    Plan plan;
    json targets = json::array();
    for (unsigned i = 0; i < volumes; ++i) {
        const auto a = std::to_string(i / 200 + 1);
        const auto b = std::to_string(i % 200 + 1);
        const auto name = "v" + std::to_string(i + 1);
        VolumePlan v;
        v.name = name;
        v.lun = 1;
        v.size_mib = 4;
        v.multipath = draw.percent(30);
        const auto portal_count = v.multipath ? 2 : 1;
        for (int p = 0; p < portal_count; ++p) {
            v.portals.push_back(std::string("127.")
                                    .append(a)
                                    .append(".")
                                    .append(b)
                                    .append(".")
                                    .append(std::to_string(p + 1))
                                    .append(iscsi ? ":3260" : ":4420"));
            plan.portals.push_back(v.portals.back());
        }
        if (iscsi) {
            v.target = "iqn.2003-01.org.brickworks.many:t" + std::to_string(i + 1);
            targets.push_back(
                {{"iqn", v.target},
                 {"portals", v.portals},
                 {"luns", {{{"lun", 1}, {"size_mib", 4}, {"serial", draw.hex(32)}}}}});
            json spec{{"target", v.target}, {"lun", 1}};
            if (v.multipath) {
                spec["multipath"] = true;
            }
            plan.volumes[name] = spec;
        } else {
            v.target = "nqn.2014-08.org.brickworks.many:s" + std::to_string(i + 1);
            json ports = json::array();
            for (const auto& p : v.portals) {
                ports.push_back({{"portal", p}});
            }
            targets.push_back({{"nqn", v.target},
                               {"ports", ports},
                               {"namespaces",
                                {{{"nsid", 1},
                                  {"size_mib", 4},
                                  {"uuid", draw.hex(8) + "-" + draw.hex(4) + "-4" + draw.hex(3) +
                                               "-8" + draw.hex(3) + "-" + draw.hex(12)}}}}});
            json spec{{"subsystem", v.target}, {"nsid", 1}};
            if (v.multipath) {
                spec["multipath"] = true;
            }
            plan.volumes[name] = spec;
        }
        plan.plans.push_back(v);
    }
    plan.fabric[iscsi ? "iscsi_targets" : "nvme_subsystems"] = targets;
    json steps = json::array();
    std::set<std::string> fault_names;
    for (unsigned f = 0; f < 4; ++f) {
        auto spec = iscsi ? iscsi_fault(draw, plan, seed, f) : nvme_fault(draw, plan, seed, f);
        fault_names.insert(spec["fault"].get<std::string>());
        steps.push_back(fault_step(draw, spec));
    }
    const auto phase = [&](const std::function<json(const VolumePlan&)>& make) {
        json group = json::array();
        for (const auto& v : plan.plans) {
            group.push_back(make(v));
        }
        steps.push_back({{"concurrent", group}, {"expect", "any"}});
    };
    phase([](const VolumePlan& v) { return json{{"connect", v.name}, {"expect", "any"}}; });
    phase([&](const VolumePlan& v) {
        return json{{"write", v.name},
                    {"pattern", draw.between(1, 1000000)},
                    {"mib", 1},
                    {"expect", "any"}};
    });
    phase([](const VolumePlan& v) { return json{{"disconnect", v.name}, {"expect", "any"}}; });
    phase([](const VolumePlan& v) { return json{{"connect", v.name}, {"expect", "any"}}; });
    phase([](const VolumePlan& v) {
        return json{{"disconnect", v.name}, {"force", true}, {"expect", "any"}};
    });
    finish(steps, fault_names, plan);
    return {{"name",
             protocol + "-concurrent-" + std::to_string(volumes) + "-seed" + std::to_string(seed)},
            {"description",
             "generated: independent volumes connected and disconnected at once under faults"},
            {"requires", {{"protocol", protocol}, {"backends", {"sim"}}}},
            {"fabric", plan.fabric},
            {"volumes", plan.volumes},
            {"steps", steps}};
}

}  // namespace brick::lab
