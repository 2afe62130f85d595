#include "sim/check/checker.hpp"

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "brick/core/secrets.hpp"
#include "brick/core/strings.hpp"

namespace brick::sim::check {
namespace {

// An answer of the host that means it did not do what was asked (ENOENT: the
// object was gone already, which is what a removal wants).
bool refusal(int error) {
    return error != 0 && error != ENOENT;
}

std::string_view kind_name(OperationKind kind) {
    switch (kind) {
        case OperationKind::connect:
            return "connect";
        case OperationKind::disconnect:
            return "disconnect";
        case OperationKind::extend:
            return "extend";
    }
    return "operation";
}

}  // namespace

std::string_view rule_name(Rule rule) {
    switch (rule) {
        case Rule::wrong_device:
            return "wrong_device";
        case Rule::foreign_object:
            return "foreign_object";
        case Rule::removal_order:
            return "removal_order";
        case Rule::leftover:
            return "leftover";
        case Rule::data_lost:
            return "data_lost";
        case Rule::deadline:
            return "deadline";
        case Rule::library_error:
            return "library_error";
    }
    return "unknown";
}

std::string Finding::to_string() const {
    return "step " + std::to_string(step) + " (" + std::to_string(t_ms) +
           " ms): " + std::string(rule_name(rule)) + ": " + operation + ": " + evidence;
}

nlohmann::json Finding::to_json() const {
    return {{"rule", rule_name(rule)},
            {"step", step},
            {"t_ms", t_ms},
            {"operation", operation},
            {"evidence", evidence}};
}

Checker::Checker(SimHost& host, std::vector<VolumeRef> volumes) : host_(host) {
    for (auto& ref : volumes) {
        VolumeState state;
        state.ref = std::move(ref);
        auto name = state.ref.name;
        volumes_.emplace(std::move(name), std::move(state));
    }
    wildcard_scans_ = host_.model().state().wildcard_scans;
    host_.set_observer(this);
}

Checker::~Checker() {
    host_.set_observer(nullptr);
}

void Checker::add(Rule rule, const std::string& operation, const std::string& evidence) {
    findings_.push_back(Finding{rule, host_.model().step(), host_.now_ms(), mask_secrets(operation),
                                mask_secrets(evidence)});
}

std::vector<Finding> Checker::new_findings() {
    std::vector<Finding> fresh(findings_.begin() + static_cast<std::ptrdiff_t>(reported_),
                               findings_.end());
    reported_ = findings_.size();
    return fresh;
}

std::string Checker::describe(const Operation& operation) const {
    return std::string(kind_name(operation.kind)) + " " + operation.volume +
           (operation.force ? " (force)" : "") +
           (operation.ignore_errors ? " (ignore errors)" : "");
}

Checker::VolumeState& Checker::volume(const std::string& name) {
    const auto it = volumes_.find(name);
    if (it == volumes_.end()) {
        throw std::invalid_argument("the checker knows no volume " + name);
    }
    return it->second;
}

const Checker::VolumeState* Checker::owner_of(const std::string& fabric_volume) const {
    for (const auto& [name, state] : volumes_) {
        if (state.ref.backing.contains(fabric_volume)) {
            return &state;
        }
    }
    return nullptr;
}

Checker::Active* Checker::operation_of(int task) {
    // The newest operation of the task: an operation may run inside another
    // on the same task (a connect that detaches again what it attached).
    for (int t = task; t >= 0; t = host_.parent_task(t)) {
        const auto newest = std::find_if(active_.rbegin(), active_.rend(),
                                         [&](const auto& entry) { return entry.second.task == t; });
        if (newest != active_.rend()) {
            return &newest->second;
        }
        // A task an operation started that outlived it works for it still.
        const int parent = host_.parent_task(t);
        const auto starter = std::find_if(ended_.rbegin(), ended_.rend(), [&](const auto& entry) {
            const auto& op = entry.second;
            return op.task == parent && op.first_task <= t && t < op.end_task;
        });
        if (starter != ended_.rend()) {
            return &starter->second;
        }
    }
    return nullptr;
}

bool Checker::in_use_by_other(const std::string& name, const VolumePath& path,
                              bool any_portal) const {
    for (const auto& [other, state] : volumes_) {
        if (other == name || (!state.attached && state.busy == 0)) {
            continue;
        }
        for (const auto& p : state.ref.paths) {
            if (p.target == path.target && (any_portal || p.portal == path.portal)) {
                return true;
            }
        }
    }
    return false;
}

bool Checker::served(const VolumeState& volume) const {
    const auto& fabric = host_.model().fabric();
    return std::all_of(volume.ref.backing.begin(), volume.ref.backing.end(), [&](const auto& id) {
        for (const auto& target : fabric.iscsi_targets) {
            for (const auto& lun : target.luns) {
                if (lun.volume_id == id) {
                    return true;
                }
            }
        }
        for (const auto& subsystem : fabric.nvme_subsystems) {
            for (const auto& ns : subsystem.namespaces) {
                if (ns.volume_id == id) {
                    return true;
                }
            }
        }
        return false;
    });
}

std::uint64_t Checker::lost_blocks(const VolumeState& volume) const {
    std::uint64_t lost = host_.model().lost_blocks(volume.ref.md_alias);
    for (const auto& id : volume.ref.backing) {
        lost += host_.model().lost_blocks(id);
    }
    return lost;
}

std::optional<std::string> Checker::device_name(const std::string& path) const {
    auto& model = host_.model();
    if (path.rfind("/dev/disk/", 0) == 0 || path.rfind("/dev/mapper/", 0) == 0) {
        for (const auto& link : model.udev_links()) {
            if (link.path == path) {
                return link.device;
            }
        }
        // dm-crypt mappings: /dev/mapper/<name> once udev has made it.
        if (const auto* crypt = model.crypt_mapping(path.substr(path.rfind('/') + 1));
            crypt != nullptr && crypt->links && path.rfind("/dev/mapper/", 0) == 0) {
            return crypt->device();
        }
        return std::nullopt;
    }
    if (path.rfind("/dev/md/", 0) == 0) {
        const auto* array = model.md_array(path.substr(8));
        return array == nullptr ? std::nullopt : std::optional(array->device());
    }
    if (path.rfind("/dev/", 0) == 0 && path.find('/', 5) == std::string::npos) {
        return path.substr(5);
    }
    return std::nullopt;
}

std::optional<std::set<std::string>> Checker::carried(const std::string& device) const {
    auto& model = host_.model();
    std::set<std::string> volumes;
    if (const auto* disk = model.device_by_disk(device)) {
        volumes.insert(disk->volume_id);
        return volumes;
    }
    if (const auto* map = model.find_map(device)) {
        volumes = model.volumes_with_wwid(map->wwid);
        for (const auto& path : map->paths) {
            if (const auto* disk = model.device_by_disk(path)) {
                volumes.insert(disk->volume_id);
            }
        }
        return volumes;
    }
    if (const auto disk = model.nvme_disk(device)) {
        volumes.insert(disk->volume_id);
        return volumes;
    }
    if (const auto* crypt = model.crypt_mapping(device)) {
        return carried(crypt->backing);  // what the device under the mapping carries
    }
    if (const auto* array = model.md_array(device)) {
        for (const auto& leg : array->legs) {
            if (const auto legs = carried(leg)) {
                volumes.insert(legs->begin(), legs->end());
            }
        }
        return volumes;
    }
    return std::nullopt;
}

int Checker::begin(const Operation& operation) {
    auto& state = volume(operation.volume);
    ++state.busy;
    Active active{operation,
                  host_.current_task(),
                  host_.now_ms(),
                  host_.model().step(),
                  {},
                  0,
                  false,
                  {},
                  host_.task_count(),
                  -1};
    for (const auto& id : state.ref.backing) {
        active.lost_before[id] = host_.model().lost_blocks(id);
    }
    active.lost_before[state.ref.md_alias] = host_.model().lost_blocks(state.ref.md_alias);
    const int id = next_id_++;
    active_.emplace(id, std::move(active));
    return id;
}

void Checker::end(int id, const Outcome& outcome) {
    const auto it = active_.find(id);
    if (it == active_.end()) {
        throw std::invalid_argument("the checker knows no operation " + std::to_string(id));
    }
    auto active = it->second;
    active_.erase(it);
    active.end_task = host_.task_count();
    if (active.first_task < active.end_task) {
        ended_.emplace(id, active);
    }
    auto& state = volume(active.operation.volume);
    --state.busy;
    const auto elapsed = host_.now_ms() - active.start_ms;
    if (!active.deadline_reported && elapsed > active.operation.budget_ms) {
        add(Rule::deadline, describe(active.operation),
            "took " + std::to_string(elapsed) + " ms, its deadline is " +
                std::to_string(active.operation.budget_ms) + " ms");
    }
    if (outcome.error == ErrorCategory::internal) {
        add(Rule::library_error, describe(active.operation), outcome.message);
    }
    switch (active.operation.kind) {
        case OperationKind::connect:
            check_connect(active, outcome);
            break;
        case OperationKind::disconnect:
            check_disconnect(active, outcome);
            break;
        case OperationKind::extend:
            break;
    }
}

void Checker::wrote(const std::string& name, std::string bytes) {
    auto& state = volume(name);
    if (!state.ref.follow_data || state.ref.backing.empty()) {
        return;
    }
    state.expected = std::move(bytes);
    state.on_target = false;
    state.written_step = host_.model().step();
}

void Checker::write_failed(const std::string& name) {
    auto& state = volume(name);
    state.expected.reset();
    state.on_target = false;
}

void Checker::check_connect(const Active& active, const Outcome& outcome) {
    auto& state = volume(active.operation.volume);
    if (outcome.error) {
        return;
    }
    state.attached = true;
    if (!outcome.device) {
        return;
    }
    const auto op = describe(active.operation);
    const auto& device = *outcome.device;
    if (state.ref.backing.empty()) {
        // NFS, RBD and local volumes: no identity to compare.
        return;
    }
    const auto name = device_name(device.path);
    const auto volumes = name ? carried(*name) : std::nullopt;
    if (!volumes) {
        add(Rule::wrong_device, op,
            "returned " + device.path + ", which is no block device of the host");
        return;
    }
    std::set<std::string> foreign;
    for (const auto& id : *volumes) {
        if (!state.ref.backing.contains(id)) {
            foreign.insert(id);
        }
    }
    if (volumes->empty() || !foreign.empty()) {
        add(Rule::wrong_device, op,
            "returned " + device.path + " (" + *name + ") carrying " +
                (volumes->empty() ? std::string("no volume") : join(*volumes, "; ")) +
                ", the volume is " + join(state.ref.backing, "; "));
        return;
    }
    if (!state.ref.wwid.empty()) {
        if (device.scsi_wwn && *device.scsi_wwn != state.ref.wwid) {
            add(Rule::wrong_device, op,
                "returned WWID " + *device.scsi_wwn + ", the volume's is " + state.ref.wwid);
        }
        if (const auto* map = host_.model().find_map(*name);
            map != nullptr && map->wwid != state.ref.wwid) {
            add(Rule::wrong_device, op,
                "returned map " + *name + " of WWID " + map->wwid + ", the volume's is " +
                    state.ref.wwid);
        }
    }
    if (state.expected && served(state)) {
        std::string read;
        // Data a path that went offline still holds is the fault's: no
        // connector can bring it to the volume before the path returns.
        const auto stranded = std::any_of(
            state.ref.backing.begin(), state.ref.backing.end(),
            [&](const std::string& id) { return host_.model().stranded_blocks(id) > 0; });
        if (host_.model().read_device(*name, 0, state.expected->size(), read) == 0 &&
            read != *state.expected && !stranded) {
            add(Rule::data_lost, op,
                device.path + " does not read the data written at step " +
                    std::to_string(state.written_step));
        }
    }
}

void Checker::check_disconnect(const Active& active, const Outcome& outcome) {
    auto& state = volume(active.operation.volume);
    const auto& operation = active.operation;
    const auto op = describe(operation);
    if (!operation.force && served(state)) {
        std::uint64_t before = 0;
        for (const auto& [id, lost] : active.lost_before) {
            before += lost;
        }
        if (const auto now = lost_blocks(state); now > before) {
            add(Rule::data_lost, op,
                std::to_string(now - before) +
                    " blocks written through the device were dropped unflushed");
        }
    }
    if (outcome.error && !operation.force) {
        return;  // it failed: what it did not remove still holds the data
    }
    if (!operation.force && state.expected && !state.on_target && served(state)) {
        unsigned holding = 0;
        for (const auto& id : state.ref.backing) {
            holding += host_.model().volume_bytes(id, 0, state.expected->size()) == *state.expected
                           ? 1
                           : 0;
        }
        const bool replicated = state.ref.backing.size() > 1;
        if (holding == 0 || (!replicated && holding != state.ref.backing.size())) {
            add(Rule::data_lost, op,
                "the target does not hold the data written at step " +
                    std::to_string(state.written_step));
        }
        state.on_target = true;
    } else if (operation.force && !state.on_target) {
        state.expected.reset();  // force may drop what was cached
    }
    state.attached = false;
    if ((operation.force || operation.ignore_errors) && active.refusals > 0) {
        ++waived_;
        return;
    }
    // A disconnect that says it failed while the kernel is still deleting a
    // controller of the volume's subsystem (a delete an earlier, timed-out
    // attempt started): what is left goes with the kernel's delete.
    const auto& controllers = host_.model().state().nvme.controllers;
    if (outcome.error &&
        std::any_of(controllers.begin(), controllers.end(), [&](const auto& entry) {
            return entry.second.state == "deleting" &&
                   std::any_of(
                       state.ref.paths.begin(), state.ref.paths.end(),
                       [&](const VolumePath& p) { return p.target == entry.second.subsystem_nqn; });
        })) {
        ++waived_;
        return;
    }
    if (const auto left = leftovers_of(state); !left.empty()) {
        add(Rule::leftover, op, join(left, "; "));
    }
}

std::vector<std::string> Checker::leftovers_of(const VolumeState& volume) const {
    auto& model = host_.model();
    const auto& state = model.state();
    std::set<std::string> left;
    for (const auto& id : volume.ref.backing) {
        const auto footprint = model.footprint(id);
        for (const auto& address : footprint.devices) {
            const auto& device = state.devices.at(address);
            left.insert("SCSI device " + address.to_string() +
                        (device.disk_visible ? " (" + device.disk_name() + ")" : ""));
        }
        for (const auto& map : footprint.maps) {
            left.insert("multipath map " + map);
        }
        for (const auto& link : footprint.links) {
            left.insert("udev link " + link);
        }
    }
    // multipathd's paths go with their devices (a path whose device went is
    // dropped when multipathd handles its remove uevent): the devices count.
    // A session carrying another LUN is not this volume's to end.
    const auto carries_other_lun = [&](unsigned sid) {
        return std::any_of(state.devices.begin(), state.devices.end(), [&](const auto& entry) {
            return entry.second.sid == sid &&
                   (!volume.ref.lun || entry.first.lun != *volume.ref.lun);
        });
    };
    for (const auto& path : volume.ref.paths) {
        if (in_use_by_other(volume.ref.name, path)) {
            continue;
        }
        bool kept_session = false;
        for (const auto& [sid, session] : state.sessions) {
            if (session.iqn != path.target || session.portal != path.portal) {
                continue;
            }
            if (carries_other_lun(sid)) {
                kept_session = true;
                continue;
            }
            left.insert("session " + std::to_string(sid) + " to " + session.iqn + " at " +
                        session.portal.to_string());
        }
        for (const auto& node : state.nodes) {
            if (node.iqn == path.target && node.portal == path.portal && !kept_session) {
                left.insert("node record " + node.iqn + " at " + node.portal.to_string());
            }
        }
        // Every controller of a subsystem carries all its namespaces (native
        // multipath joins them in one head): one another volume uses keeps them.
        if (in_use_by_other(volume.ref.name, path, true)) {
            continue;
        }
        for (const auto& [instance, controller] : state.nvme.controllers) {
            if (controller.subsystem_nqn == path.target &&
                controller.traddr == path.portal.address &&
                controller.trsvcid == path.portal.port) {
                left.insert("NVMe controller " + controller.name() + " to " + path.target + " at " +
                            path.portal.to_string() + " (" + controller.state + ")");
            }
        }
    }
    for (const auto& disk : model.nvme_disks()) {
        // A namespace stays visible while its subsystem's controllers serve another volume.
        const bool kept =
            in_use_by_other(volume.ref.name, VolumePath{disk.subsystem_nqn, {}}, true);
        if (volume.ref.backing.contains(disk.volume_id) && !kept) {
            left.insert("NVMe namespace device " + disk.name);
        }
    }
    for (const auto& [number, array] : state.nvme.md_arrays) {
        if (!volume.ref.md_alias.empty() && array.name == volume.ref.md_alias) {
            left.insert("md array " + array.device() + " (" + array.name + ")");
        }
    }
    for (const auto& file : volume.created_files) {
        if (state.files.contains(file)) {
            left.insert("file " + file + " its operations created");
        }
    }
    return {left.begin(), left.end()};
}

void Checker::check_foreign(Active& active, const HostAction& action) {
    const auto& mine = volume(active.operation.volume);
    const auto op = describe(active.operation);
    const auto what = std::string(action_name(action.kind)) + " of " + action.object;
    const auto my_path = [&] {
        return std::any_of(mine.ref.paths.begin(), mine.ref.paths.end(), [&](const VolumePath& p) {
            return p.target == action.target && (!action.portal || p.portal == *action.portal);
        });
    };
    // A device at this volume's own address (target, portal, LUN) showing
    // another volume that does not live at that address (the target presents
    // it at this LUN too, and multipathd may have taken the device into that
    // volume's map) is this volume's to handle: a volume owns the devices at
    // its own addresses.
    const bool at_my_address = my_path() && mine.ref.lun && action.lun == mine.ref.lun;
    const auto lives_here = [&](const VolumeState& owner) {
        return !owner.ref.lun || owner.ref.lun == action.lun;
    };
    // Other volumes whose objects the action touched.
    std::set<std::string> others;
    bool strangers = false;
    for (const auto& id : action.volumes) {
        if (mine.ref.backing.contains(id)) {
            continue;
        }
        if (const auto* owner = owner_of(id)) {
            // Every controller of a subsystem carries all its namespaces: it
            // is another volume's only once that volume's connect returned.
            const bool counts =
                (action.kind != ActionKind::delete_nvme_controller || owner->attached) &&
                (!at_my_address || lives_here(*owner));
            if (counts) {
                others.insert(owner->ref.name);
            }
        } else {
            strangers = true;
        }
    }
    switch (action.kind) {
        case ActionKind::logout:
            if (!my_path()) {
                add(Rule::foreign_object, op,
                    what + " to " + action.target + ": not a path of " + mine.ref.name);
            } else if (!others.empty()) {
                add(Rule::foreign_object, op,
                    what + " to " + action.target + ", which carries devices of " +
                        join(others, "; "));
            }
            return;
        case ActionKind::delete_node_record: {
            if (!my_path()) {
                add(Rule::foreign_object, op,
                    what + " of " + action.target + ": not a path of " + mine.ref.name);
                return;
            }
            // A record whose session carries another volume's device (after a
            // reboot, that volume's path comes back through it).
            std::set<std::string> users;
            for (const auto& [sid, session] : host_.model().state().sessions) {
                if (session.iqn != action.target || session.portal != action.portal) {
                    continue;
                }
                for (const auto& [address, device] : host_.model().state().devices) {
                    const auto* owner = device.sid == sid ? owner_of(device.volume_id) : nullptr;
                    if (owner != nullptr && owner != &mine) {
                        users.insert(owner->ref.name);
                    }
                }
            }
            if (!users.empty()) {
                add(Rule::foreign_object, op,
                    what + " of " + action.target + " at " +
                        action.portal.value_or(Portal{}).to_string() +
                        ", whose session carries devices of " + join(users, "; "));
            }
            return;
        }
        case ActionKind::delete_nvme_controller:
            // Any controller of a subsystem the volume uses: they all carry its namespace.
            if (std::none_of(mine.ref.paths.begin(), mine.ref.paths.end(),
                             [&](const VolumePath& p) { return p.target == action.target; })) {
                add(Rule::foreign_object, op,
                    what + " to " + action.target + ": not a path of " + mine.ref.name);
            } else if (!others.empty()) {
                add(Rule::foreign_object, op,
                    what + ", which carries namespaces of " + join(others, "; ") + " in use");
            }
            return;
        default:
            break;
    }
    // A device of a volume nobody named (a LUN remapped on the target) is
    // this volume's to handle only where this volume lives.
    const bool at_my_lun = my_path() && (!mine.ref.lun || action.lun == mine.ref.lun);
    if (!others.empty() || (strangers && !at_my_lun)) {
        std::set<std::string> whose = others;
        if (strangers) {
            for (const auto& id : action.volumes) {
                if (owner_of(id) == nullptr) {
                    whose.insert("volume " + id);
                }
            }
        }
        add(Rule::foreign_object, op, what + ", which carries " + join(whose, "; "));
    }
}

void Checker::on_action(const HostAction& action, int task) {
    auto* active = operation_of(task);
    if (active == nullptr) {
        return;  // not the library's doing (the caller's own I/O, a fault)
    }
    if (action.kind == ActionKind::created_file) {
        for (auto& [name, state] : volumes_) {
            state.created_files.erase(action.object);
        }
        volume(active->operation.volume).created_files.insert(action.object);
        return;
    }
    if (refusal(action.error)) {
        ++active->refusals;
    }
    if (action.kind == ActionKind::refused) {
        return;
    }
    check_foreign(*active, action);
    if (action.kind == ActionKind::remove_multipath_path) {
        active->released_paths.insert(action.object);
    }
    // multipathd may take a path back from a late uevent after `del path`:
    // the order is what the operation asked for, the leftover rule sees the rest.
    if (action.kind == ActionKind::delete_scsi_device && action.error == 0 &&
        action.multipath_still_used && !active->released_paths.contains(action.object)) {
        add(Rule::removal_order, describe(active->operation),
            "deleted " + action.object +
                " while multipathd still used it as a path (no "
                "`multipathd del path` before the delete)");
    }
}

void Checker::after_interaction(int task) {
    const auto now = host_.now_ms();
    for (auto& [id, active] : active_) {
        if (!active.deadline_reported && now - active.start_ms > active.operation.budget_ms) {
            active.deadline_reported = true;
            add(Rule::deadline, describe(active.operation),
                "still running after " + std::to_string(now - active.start_ms) +
                    " ms, its deadline is " + std::to_string(active.operation.budget_ms) + " ms");
        }
    }
    const auto scans = host_.model().state().wildcard_scans;
    if (scans > wildcard_scans_) {
        wildcard_scans_ = scans;
        const auto* active = operation_of(task);
        add(Rule::foreign_object, active != nullptr ? describe(active->operation) : "no operation",
            "a wildcard LUN scan added every LUN of a target");
    }
}

void Checker::check_clean(const std::string& why) {
    std::vector<std::string> left = host_.model().leftovers();
    for (const auto& [name, state] : volumes_) {
        for (const auto& file : state.created_files) {
            if (host_.model().state().files.contains(file)) {
                left.push_back(std::string("file ")
                                   .append(file)
                                   .append(" created by operations on ")
                                   .append(name));
            }
        }
    }
    if (!left.empty()) {
        add(Rule::leftover, why, join(left, "; "));
    }
}

}  // namespace brick::sim::check
