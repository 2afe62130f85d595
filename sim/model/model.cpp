#include "sim/model/model.hpp"

#include "brick/host/trace.hpp"

namespace brick::sim {

Model::Model(Fabric fabric, std::uint64_t seed) : fabric_(std::move(fabric)), random_(seed) {
    state_.initiator_name = fabric_.host.initiator_name;
    state_.multipathd_running = fabric_.host.multipathd_running;
    state_.iscsid_running = fabric_.host.iscsid_running;
    state_.next_scsi_host = fabric_.host.first_scsi_host;
    add_local_disks();
    // HBA drivers load at boot: FC hosts take the SCSI host numbers before
    // any iSCSI session.
    add_fc_hosts();
    add_attached_targets();
    add_logical_volumes();
    // nvme-cli's identity files, as Debian's package creates them.
    if (!fabric_.nvme_host.host_nqn.empty()) {
        state_.files["/etc/nvme/hostnqn"] = fabric_.nvme_host.host_nqn + "\n";
    }
    if (!fabric_.nvme_host.host_id.empty()) {
        state_.files["/etc/nvme/hostid"] = fabric_.nvme_host.host_id + "\n";
    }
}

// Local disks on SCSI host 0 (an AHCI controller): they take sda.. before any
// iSCSI disk, like the system disk of a real host.
void Model::add_local_disks() {
    if (fabric_.host.local_disks == 0) {
        return;
    }
    state_.scsi_hosts[0] = ScsiHost{0, std::nullopt, "ahci"};
    for (unsigned i = 0; i < fabric_.host.local_disks; ++i) {
        ScsiDevice device;
        device.address = ScsiAddress{0, 0, i, 0};
        device.volume_id = "local-" + std::to_string(i);
        device.vendor = "ATA";
        device.model = "QEMU HARDDISK";
        device.revision = "2.5+";
        device.serial = "QM0000" + std::to_string(i + 1);
        device.designators = {
            Designator{DesignatorType::t10, "ATA     QEMU HARDDISK " + device.serial}};
        device.size_bytes = 20ULL << 30U;
        device.disk_index = i;
        device.disk_visible = true;
        device.links_by_id = true;
        state_.devices.emplace(device.address, std::move(device));
    }
}

std::optional<std::int64_t> Model::next_event_ms() const {
    if (events_.empty()) {
        return std::nullopt;
    }
    return events_.begin()->first.first;
}

void Model::advance_to(std::int64_t t) {
    while (!events_.empty() && events_.begin()->first.first <= t) {
        auto node = events_.extract(events_.begin());
        now_ms_ = std::max(now_ms_, node.mapped().at);
        node.mapped().fn();
        touch();
    }
    now_ms_ = std::max(now_ms_, t);
}

void Model::schedule(std::int64_t delay_ms, std::string what, std::function<void()> fn) {
    Event event{now_ms_ + std::max<std::int64_t>(0, delay_ms), ++event_order_, std::move(what),
                std::move(fn)};
    const auto key = std::make_pair(event.at, event.order);
    events_.emplace(key, std::move(event));
}

std::optional<std::int64_t> Model::last_pending(const std::string& prefix) const {
    std::optional<std::int64_t> last;
    for (const auto& [key, event] : events_) {
        if (event.what.rfind(prefix, 0) == 0) {
            last = event.at;
        }
    }
    return last;
}

unsigned Model::jittered(unsigned base_ms) {
    const auto spread = static_cast<std::uint64_t>(base_ms) * fabric_.timing.jitter_percent / 100;
    if (spread == 0) {
        return base_ms;
    }
    // base +- spread, uniformly.
    const auto offset = random_.below(2 * spread + 1);
    return static_cast<unsigned>(base_ms - spread + offset);
}

void Model::note(nlohmann::json record) {
    touch();
    if (!sink_) {
        return;
    }
    if (!record.contains("kind")) {
        record["kind"] = "event";
    }
    sink_(std::move(record));
}

int Model::inject(FaultSpec fault) {
    ArmedFault armed{next_fault_id_++, std::move(fault), 0};
    if (is_action_fault(armed.spec.kind) && !armed.spec.max_fires) {
        armed.spec.max_fires = 1;
    }
    faults_.push_back(std::move(armed));
    return faults_.back().id;
}

void Model::clear_faults() {
    faults_.clear();
}

void Model::record_fault(const ArmedFault& fault, const nlohmann::json& context) {
    ++faults_fired_;
    nlohmann::json r{{"kind", "fault"},
                     {"fault", std::string(fault_name(fault.spec.kind))},
                     {"id", fault.id},
                     {"step", step_},
                     {"params", fault.spec.params}};
    if (!context.is_null()) {
        r["at"] = context;
    }
    // Recorded, not a change of the host: a fault that changes state does so
    // through its own effect. Waking every waiter here made two tasks polling
    // a faulted probe wake each other at one instant forever.
    if (sink_) {
        sink_(std::move(r));
    }
}

void Model::begin_step() {
    ++step_;
    for (auto& fault : faults_) {
        if (!is_action_fault(fault.spec.kind) || step_ < fault.spec.from_step ||
            (fault.spec.until_step && step_ > *fault.spec.until_step) ||
            (fault.spec.max_fires && fault.fired >= *fault.spec.max_fires)) {
            continue;
        }
        if (!random_.chance(fault.spec.probability)) {
            continue;
        }
        ++fault.fired;
        record_fault(fault, nullptr);
        fire_action(fault);
    }
}

const FaultSpec* Model::consult(FaultKind kind, const nlohmann::json& context) {
    for (auto& fault : faults_) {
        if (fault.spec.kind != kind || step_ < fault.spec.from_step ||
            (fault.spec.until_step && step_ > *fault.spec.until_step) ||
            (fault.spec.max_fires && fault.fired >= *fault.spec.max_fires) ||
            !fault_matches(fault.spec.params, context)) {
            continue;
        }
        if (!random_.chance(fault.spec.probability)) {
            continue;
        }
        ++fault.fired;
        record_fault(fault, context);
        return &fault.spec;
    }
    return nullptr;
}

void Model::fire_action(ArmedFault& fault) {
    const auto& p = fault.spec.params;
    const auto text = [&](const char* key) {
        return p.contains(key) && p[key].is_string() ? p[key].get<std::string>() : std::string();
    };
    // The target of a LUN fault: an iSCSI IQN, or an FC target's WWNN or port WWPN.
    const auto target_name = [&] {
        for (const char* key : {"iqn", "wwnn", "wwpn"}) {
            if (!text(key).empty()) {
                return text(key);
            }
        }
        return std::string();
    };
    const auto number = [&](const char* key, std::uint64_t fallback) {
        return p.contains(key) && p[key].is_number_integer() && p[key].get<std::int64_t>() >= 0
                   ? p[key].get<std::uint64_t>()
                   : fallback;
    };
    switch (fault.spec.kind) {
        case FaultKind::lun_removed:
            remove_lun(target_name(), number("lun", 0));
            break;
        case FaultKind::lun_remapped: {
            const auto lun = number("lun", 0);
            auto volume = parse_volume(p.value("to", nlohmann::json::object()), "/to",
                                       target_name() + ":lun" + std::to_string(lun) + ":remapped");
            remap_lun(target_name(), lun, std::move(volume));
            break;
        }
        case FaultKind::fc_link_down: {
            fc_set_link(text("hba"), false);
            if (const auto recover = number("recover_ms", 0); recover > 0) {
                const auto hba = text("hba");
                schedule(static_cast<std::int64_t>(recover), "fc link recovers",
                         [this, hba] { fc_set_link(hba, true); });
            }
            break;
        }
        case FaultKind::path_offline: {
            for (auto& [address, device] : state_.devices) {
                nlohmann::json context{{"device", device.disk_name()}};
                if (device.sid) {
                    const auto& session = state_.sessions.at(*device.sid);
                    context["portal"] = session.portal.to_string();
                    context["iqn"] = session.iqn;
                }
                context.update(fc_context(device));
                context["lun"] = address.lun;
                if (device.remote() && device.state != "cancel" && fault_matches(p, context)) {
                    device.state = "offline";
                    note({{"what", "device offline"}, {"device", device.disk_name()}});
                }
            }
            break;
        }
        case FaultKind::session_drop: {
            const auto recover = static_cast<std::int64_t>(number("recover_ms", 0));
            std::vector<unsigned> dropped;
            for (const auto& [sid, session] : state_.sessions) {
                const nlohmann::json context{{"portal", session.portal.to_string()},
                                             {"iqn", session.iqn}};
                if (fault_matches(p, context)) {
                    dropped.push_back(sid);
                }
            }
            for (const auto sid : dropped) {
                fail_session(sid, recover);
            }
            break;
        }
        case FaultKind::multipathd_down:
        case FaultKind::iscsid_down: {
            const bool multipathd = fault.spec.kind == FaultKind::multipathd_down;
            multipathd ? set_multipathd_running(false) : set_iscsid_running(false);
            if (const auto restore = number("restore_ms", 0); restore > 0) {
                schedule(static_cast<std::int64_t>(restore), "daemon restarts", [this, multipathd] {
                    multipathd ? set_multipathd_running(true) : set_iscsid_running(true);
                });
            }
            break;
        }
        case FaultKind::controller_connecting:
        case FaultKind::ana_inaccessible:
        case FaultKind::namespace_removed:
            fire_nvme_action(fault.spec.kind, p);
            break;
        default:
            break;
    }
}

std::vector<Lun>* Model::luns_of(const std::string& target) {
    if (auto* iscsi = fabric_.find_target(target)) {
        return &iscsi->luns;
    }
    if (auto* fc = fabric_.fc.find_target(target)) {
        return &fc->luns;
    }
    return nullptr;
}

const std::vector<Lun>* Model::luns_of(const std::string& target) const {
    if (const auto* iscsi = fabric_.find_target(target)) {
        return &iscsi->luns;
    }
    for (const auto& fc : fabric_.fc.targets) {
        if (fc.wwnn == target) {
            return &fc.luns;
        }
    }
    const auto* fc = fabric_.fc.target_with_port(target);
    return fc == nullptr ? nullptr : &fc->luns;
}

bool Model::remove_lun(const std::string& target, std::uint64_t lun) {
    auto* luns = luns_of(target);
    if (luns == nullptr) {
        return false;
    }
    const auto before = luns->size();
    std::erase_if(*luns, [&](const Lun& l) { return l.number == lun; });
    note({{"what", "target dropped LUN"}, {"target", target}, {"lun", lun}});
    return luns->size() != before;
}

bool Model::remap_lun(const std::string& target, std::uint64_t lun, Volume volume) {
    auto* luns = luns_of(target);
    if (luns == nullptr) {
        return false;
    }
    std::erase_if(*luns, [&](const Lun& l) { return l.number == lun; });
    const auto id = volume.id;
    fabric_.volumes[id] = std::move(volume);
    luns->push_back(Lun{lun, id});
    note({{"what", "target remapped LUN"}, {"target", target}, {"lun", lun}, {"volume", id}});
    return true;
}

void Model::set_multipathd_running(bool running) {
    state_.multipathd_running = running;
    // The path table lives in the daemon: it goes with it, and a daemon that
    // starts builds it again from the maps it finds.
    state_.multipathd_paths.clear();
    late_maps_.clear();
    if (running) {
        for (const auto& [wwid, map] : state_.maps) {
            for (const auto& disk : map.paths) {
                track_path(disk, wwid);
            }
        }
    }
    note({{"what", running ? "multipathd started" : "multipathd stopped"}});
}

void Model::set_iscsid_running(bool running) {
    state_.iscsid_running = running;
    note({{"what", running ? "iscsid started" : "iscsid stopped"}});
    if (running) {
        // iscsid logs in again the failed sessions it has whose portal answers.
        reconnect_sessions();
    }
}

}  // namespace brick::sim
