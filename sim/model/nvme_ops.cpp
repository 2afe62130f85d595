// The NVMe-oF part of the model, as Linux 6.1's nvme-fabrics, nvme-tcp and
// nvme-rdma behave: a /dev/nvme-fabrics write parses the kernel's option
// string and creates a controller (or fails with the kernel's errno), the
// namespaces appear asynchronously once it is live, native multipath heads
// gather the paths, delete_controller returns once the controller is gone,
// and a controller that lost its port reconnects every reconnect_delay until
// ctrl_loss_tmo.
#include <algorithm>
#include <cerrno>
#include <charconv>

#include "sim/model/model.hpp"
#include "sim/model/udev_names.hpp"

namespace brick::sim {
namespace {

constexpr std::uint64_t block_size = 512;

struct ConnectOptions {
    std::string nqn;
    std::string transport;
    std::string traddr;
    std::string trsvcid;
    std::string host_traddr;
    std::string host_iface;
    std::string hostnqn;
    std::string hostid;
    int ctrl_loss_tmo = 600;
    int reconnect_delay = 10;
    int keep_alive_tmo = 5;
    bool duplicate_connect = false;
};

bool parse_int(const std::string& text, int& value) {
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    return ec == std::errc() && ptr == end;
}

bool is_uuid(const std::string& value) {
    if (value.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash != (value[i] == '-') || (!dash && std::isxdigit(value[i]) == 0)) {
            return false;
        }
    }
    return true;
}

// nvmf_parse_options: "key=value" pairs separated by ',' or '\n'. Unknown
// keys, missing values and out-of-range numbers are EINVAL.
int parse_connect_options(const std::string& text, ConnectOptions& out) {
    static const std::set<std::string> ignored = {"queue_size",
                                                  "nr_io_queues",
                                                  "nr_write_queues",
                                                  "nr_poll_queues",
                                                  "tos",
                                                  "hdr_digest",
                                                  "data_digest",
                                                  "disable_sqflow",
                                                  "fast_io_fail_tmo",
                                                  "dhchap_secret",
                                                  "dhchap_ctrl_secret",
                                                  "discovery"};
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find_first_of(",\n", start);
        if (end == std::string::npos) {
            end = text.size();
        }
        const auto item = text.substr(start, end - start);
        start = end + 1;
        if (item.empty()) {
            if (end == text.size()) {
                break;
            }
            continue;
        }
        const auto equals = item.find('=');
        const auto key = item.substr(0, equals);
        const auto value = equals == std::string::npos ? std::string() : item.substr(equals + 1);
        const bool flag = key == "duplicate_connect" || key == "hdr_digest" ||
                          key == "data_digest" || key == "disable_sqflow" || key == "discovery";
        if (!flag && (equals == std::string::npos || value.empty())) {
            return EINVAL;
        }
        if (key == "nqn") {
            out.nqn = value;
        } else if (key == "transport") {
            out.transport = value;
        } else if (key == "traddr") {
            out.traddr = value;
        } else if (key == "trsvcid") {
            out.trsvcid = value;
        } else if (key == "host_traddr") {
            out.host_traddr = value;
        } else if (key == "host_iface") {
            out.host_iface = value;
        } else if (key == "hostnqn") {
            if (value.size() > 223) {
                return EINVAL;
            }
            out.hostnqn = value;
        } else if (key == "hostid") {
            if (!is_uuid(value)) {
                return EINVAL;
            }
            out.hostid = value;
        } else if (key == "ctrl_loss_tmo") {
            if (!parse_int(value, out.ctrl_loss_tmo)) {
                return EINVAL;
            }
            out.ctrl_loss_tmo = std::max(out.ctrl_loss_tmo, -1);
        } else if (key == "reconnect_delay") {
            if (!parse_int(value, out.reconnect_delay) || out.reconnect_delay <= 0) {
                return EINVAL;
            }
        } else if (key == "keep_alive_tmo") {
            if (!parse_int(value, out.keep_alive_tmo) || out.keep_alive_tmo < 0) {
                return EINVAL;
            }
        } else if (key == "duplicate_connect") {
            out.duplicate_connect = true;
        } else if (!ignored.contains(key)) {
            return EINVAL;
        }
    }
    if (out.nqn.empty() || out.transport.empty()) {
        return EINVAL;
    }
    return 0;
}

bool ana_accessible(const std::string& state) {
    return state == "optimized" || state == "non-optimized";
}

std::string block_of(const std::map<std::uint64_t, std::string>& blocks, std::uint64_t index) {
    const auto it = blocks.find(index);
    return it == blocks.end() ? std::string(block_size, '\0') : it->second;
}

}  // namespace

std::string NvmeController::address() const {
    auto text = "traddr=" + traddr + ",trsvcid=" + std::to_string(trsvcid);
    if (!host_traddr.empty()) {
        text += ",host_traddr=" + host_traddr;
    }
    if (!host_iface.empty()) {
        text += ",host_iface=" + host_iface;
    }
    // The source address of the connected socket (TCP; 6.1 and later).
    if (transport == "tcp" && (state == "live" || state == "deleting")) {
        text += ",src_addr=" + (host_traddr.empty() ? traddr : host_traddr);
    }
    return text;
}

std::string Model::nvme_default_host_nqn() const {
    return "nqn.2014-08.org.nvmexpress:uuid:" + nvme_default_host_id();
}

std::string Model::nvme_default_host_id() const {
    return "0c2d6f5e-1b7a-4d8e-9f30-5a6b7c8d9e0f";
}

unsigned Model::nvme_free_instance() const {
    const auto& nvme = state_.nvme;
    unsigned instance = 0;
    while (nvme.controllers.contains(instance) || nvme.subsystems.contains(instance)) {
        ++instance;
    }
    return instance;
}

const NvmePort* Model::nvme_port_of(const NvmeController& controller) const {
    const auto* subsystem = fabric_.find_subsystem(controller.subsystem_nqn);
    if (subsystem == nullptr) {
        return nullptr;
    }
    for (const auto& port : subsystem->ports) {
        if (port.id == controller.port_id) {
            return &port;
        }
    }
    return nullptr;
}

std::string Model::nvme_ana_state(const NvmeController& controller, std::uint32_t nsid) const {
    const auto* port = nvme_port_of(controller);
    unsigned group = 1;
    for (const auto& [instance, subsystem] : state_.nvme.subsystems) {
        if (subsystem.nqn == controller.subsystem_nqn) {
            if (const auto head = subsystem.heads.find(nsid); head != subsystem.heads.end()) {
                group = head->second.ana_group;
            }
        }
    }
    return port == nullptr ? "inaccessible" : port->ana_state(group);
}

bool Model::nvme_path_usable(const NvmeController& controller, std::uint32_t nsid) const {
    return controller.state == "live" && controller.paths.contains(nsid) &&
           ana_accessible(nvme_ana_state(controller, nsid));
}

WriteEffect Model::nvme_connect(const std::string& text) {
    WriteEffect effect;
    ConnectOptions options;
    if (const int error = parse_connect_options(text, options); error != 0) {
        note({{"what", "nvme-fabrics: invalid options"}, {"options", text}});
        return WriteEffect{error, 0, {}, {}};
    }
    if (options.transport != "tcp" && options.transport != "rdma") {
        return WriteEffect{EINVAL, 0, {}, {}};  // no handler found for transport
    }
    if (options.traddr.empty()) {
        return WriteEffect{EINVAL, 0, {}, {}};  // missing parameter 'traddr=%s'
    }
    if (options.trsvcid.empty()) {
        options.trsvcid = "4420";
    }
    unsigned service_id = 0;
    {
        const auto* end = options.trsvcid.data() + options.trsvcid.size();
        const auto [ptr, ec] = std::from_chars(options.trsvcid.data(), end, service_id);
        if (ec != std::errc() || ptr != end || service_id > 65535) {
            return WriteEffect{EINVAL, 0, {}, {}};
        }
    }
    if (options.hostnqn.empty()) {
        options.hostnqn = nvme_default_host_nqn();
    }
    if (options.hostid.empty()) {
        options.hostid = nvme_default_host_id();
    }
    auto& nvme = state_.nvme;
    if (!options.duplicate_connect) {
        for (const auto& [instance, c] : nvme.controllers) {
            if (c.state != "deleting" && c.state != "dead" && c.transport == options.transport &&
                c.traddr == options.traddr && c.trsvcid == service_id &&
                c.subsystem_nqn == options.nqn && c.host_nqn == options.hostnqn &&
                c.host_traddr == options.host_traddr && c.host_iface == options.host_iface) {
                note({{"what", "nvme-fabrics: already connected"}, {"controller", c.name()}});
                return WriteEffect{EALREADY, 0, {}, {}};
            }
        }
    }
    const auto portal = options.traddr + ":" + std::to_string(service_id);
    const nlohmann::json context{
        {"portal", portal}, {"nqn", options.nqn}, {"transport", options.transport}};
    bool listening = false;
    for (const auto& s : fabric_.nvme_subsystems) {
        for (const auto& p : s.ports) {
            listening = listening || (p.transport == options.transport &&
                                      p.address == options.traddr && p.service_id == service_id);
        }
    }
    if (!listening || consult(FaultKind::portal_unreachable, context) != nullptr) {
        note({{"what", "nvme-fabrics: connection refused"}, {"portal", portal}});
        return WriteEffect{ECONNREFUSED, fabric_.timing.nvme_refused_ms, {}, {}};
    }
    const auto* subsystem = fabric_.find_subsystem(options.nqn);
    const NvmePort* port = nullptr;
    if (subsystem != nullptr) {
        for (const auto& p : subsystem->ports) {
            if (p.transport == options.transport && p.address == options.traddr &&
                p.service_id == service_id && p.exported) {
                port = &p;
            }
        }
    }
    // The target rejects the Connect command (subsystem not exported on the
    // port, host not allowed): 6.1 turns the NVMe status into EIO.
    if (port == nullptr || !subsystem->allows(options.hostnqn)) {
        note({{"what", "nvme-fabrics: connect rejected by the target"},
              {"portal", portal},
              {"nqn", options.nqn},
              {"hostnqn", options.hostnqn}});
        return WriteEffect{EIO, jittered(fabric_.timing.nvme_connect_ms), {}, {}};
    }
    NvmeController controller;
    controller.instance = nvme_free_instance();
    controller.subsystem_nqn = options.nqn;
    controller.transport = options.transport;
    controller.traddr = options.traddr;
    controller.trsvcid = service_id;
    controller.host_traddr = options.host_traddr;
    controller.host_iface = options.host_iface;
    controller.host_nqn = options.hostnqn;
    controller.host_id = options.hostid;
    controller.cntlid = nvme.next_cntlid++;
    controller.state = "connecting";
    controller.port_id = port->id;
    controller.ctrl_loss_tmo = options.ctrl_loss_tmo;
    controller.reconnect_delay = options.reconnect_delay;
    controller.keep_alive_tmo = options.keep_alive_tmo;
    const unsigned instance = controller.instance;
    bool have_subsystem = false;
    for (const auto& [number, s] : nvme.subsystems) {
        have_subsystem = have_subsystem || s.nqn == options.nqn;
    }
    if (!have_subsystem) {
        NvmeSubsystemState s;
        s.instance = instance;  // the first controller's instance names the subsystem
        s.nqn = subsystem->nqn;
        s.serial = subsystem->serial;
        s.model = subsystem->model;
        s.firmware = subsystem->firmware;
        nvme.subsystems.emplace(instance, std::move(s));
    }
    nvme.controllers.emplace(instance, std::move(controller));
    note({{"what", "nvme controller connecting"},
          {"controller", "nvme" + std::to_string(instance)},
          {"nqn", options.nqn},
          {"portal", portal},
          {"transport", options.transport}});
    touch();
    effect.duration_ms = jittered(fabric_.timing.nvme_connect_ms);
    effect.apply = [this, instance] {
        auto it = state_.nvme.controllers.find(instance);
        if (it == state_.nvme.controllers.end() || it->second.state != "connecting") {
            return;
        }
        it->second.state = "live";
        note({{"what", "nvme controller live"}, {"controller", it->second.name()}});
        schedule(jittered(fabric_.timing.nvme_ns_ms), "nvme scan",
                 [this, instance] { nvme_scan(instance); });
    };
    return effect;
}

void Model::nvme_scan(unsigned instance) {
    const auto it = state_.nvme.controllers.find(instance);
    if (it == state_.nvme.controllers.end() || it->second.state != "live") {
        return;
    }
    auto& controller = it->second;
    const auto* subsystem = fabric_.find_subsystem(controller.subsystem_nqn);
    // Namespaces gone on the target lose their path (the namespace-changed AEN).
    std::vector<std::uint32_t> gone;
    for (const auto nsid : controller.paths) {
        if (subsystem == nullptr || subsystem->find_namespace(nsid) == nullptr) {
            gone.push_back(nsid);
        }
    }
    for (const auto nsid : gone) {
        controller.paths.erase(nsid);
        const auto name = "nvme" + std::to_string(instance) + "/" + std::to_string(nsid);
        const auto key = std::make_pair(instance, nsid);
        if (const auto disk = state_.nvme.private_disks.find(key);
            disk != state_.nvme.private_disks.end()) {
            for (const auto& d : nvme_disks()) {
                if (d.controller == instance && d.nsid == nsid) {
                    if (auto dirty = state_.nvme.dirty.find(d.name);
                        dirty != state_.nvme.dirty.end()) {
                        drop_dirty(d.volume_id, dirty->second);
                    }
                }
            }
            state_.nvme.private_disks.erase(disk);
        }
        note({{"what", "nvme namespace removed"},
              {"controller", controller.name()},
              {"nsid", nsid}});
    }
    if (subsystem != nullptr) {
        const auto* port = nvme_port_of(controller);
        for (const auto& ns : subsystem->namespaces) {
            if (controller.paths.contains(ns.nsid)) {
                continue;
            }
            const nlohmann::json context{{"nqn", subsystem->nqn},
                                         {"nsid", ns.nsid},
                                         {"volume", ns.volume_id},
                                         {"portal", port != nullptr ? port->portal() : ""}};
            if (consult(FaultKind::device_never, context) != nullptr) {
                continue;
            }
            if (const auto* late = consult(FaultKind::device_late, context)) {
                const std::uint32_t nsid = ns.nsid;
                schedule(late->params.value("delay_ms", 5000U), "nvme late namespace",
                         [this, instance, nsid] { nvme_add_path(instance, nsid); });
                continue;
            }
            nvme_add_path(instance, ns.nsid);
        }
    }
    nvme_refresh();
}

void Model::nvme_add_path(unsigned instance, std::uint32_t nsid) {
    const auto it = state_.nvme.controllers.find(instance);
    if (it == state_.nvme.controllers.end() || it->second.state != "live" ||
        it->second.paths.contains(nsid)) {
        return;
    }
    auto& controller = it->second;
    const auto* subsystem = fabric_.find_subsystem(controller.subsystem_nqn);
    const auto* ns = subsystem == nullptr ? nullptr : subsystem->find_namespace(nsid);
    if (ns == nullptr) {
        return;
    }
    NvmeSubsystemState* state = nullptr;
    for (auto& [number, s] : state_.nvme.subsystems) {
        if (s.nqn == controller.subsystem_nqn) {
            state = &s;
        }
    }
    if (state == nullptr) {
        return;
    }
    auto head = state->heads.find(nsid);
    if (head == state->heads.end()) {
        NvmeHead h;
        h.nsid = nsid;
        std::set<unsigned> used;
        for (const auto& [n, existing] : state->heads) {
            used.insert(existing.instance);
        }
        while (used.contains(h.instance)) {
            ++h.instance;
        }
        h.volume_id = ns->volume_id;
        h.uuid = ns->uuid;
        h.nguid = ns->nguid;
        h.size_bytes = fabric_.volumes.at(ns->volume_id).size_bytes;
        h.block_size = ns->block_size;
        h.ana_group = ns->ana_group;
        head = state->heads.emplace(nsid, h).first;
    }
    controller.paths.insert(nsid);
    note({{"what", "nvme namespace path"},
          {"controller", controller.name()},
          {"nsid", nsid},
          {"ana_state", nvme_ana_state(controller, nsid)}});
    if (!nvme_native_multipath()) {
        NvmePrivateDisk disk;
        disk.minor = state_.nvme.next_minor++;
        const auto key = std::make_pair(instance, nsid);
        state_.nvme.private_disks[key] = disk;
        schedule(jittered(fabric_.timing.udev_ms), "udev links", [this, key] {
            if (auto d = state_.nvme.private_disks.find(key);
                d != state_.nvme.private_disks.end()) {
                d->second.links = true;
            }
        });
    }
    nvme_refresh();
    touch();
}

// Head disks appear once a path is usable (nvme_mpath_set_live) and go with
// their last path; subsystems go with their last controller.
void Model::nvme_refresh() {
    auto& nvme = state_.nvme;
    for (auto s = nvme.subsystems.begin(); s != nvme.subsystems.end();) {
        auto& subsystem = s->second;
        bool has_controller = false;
        for (const auto& [instance, c] : nvme.controllers) {
            has_controller = has_controller || c.subsystem_nqn == subsystem.nqn;
        }
        for (auto h = subsystem.heads.begin(); h != subsystem.heads.end();) {
            auto& head = h->second;
            bool has_path = false;
            bool usable = false;
            for (const auto& [instance, c] : nvme.controllers) {
                if (c.subsystem_nqn == subsystem.nqn && c.paths.contains(head.nsid)) {
                    has_path = true;
                    usable = usable || nvme_path_usable(c, head.nsid);
                }
            }
            const auto name =
                "nvme" + std::to_string(subsystem.instance) + "n" + std::to_string(head.instance);
            if (!has_path) {
                if (auto dirty = nvme.dirty.find(name); dirty != nvme.dirty.end()) {
                    drop_dirty(head.volume_id, dirty->second);
                    nvme.dirty.erase(dirty);
                }
                note({{"what", "nvme namespace head removed"}, {"disk", name}});
                h = subsystem.heads.erase(h);
                touch();
                continue;
            }
            if (usable && !head.disk_visible && nvme_native_multipath()) {
                head.disk_visible = true;
                head.minor = nvme.next_minor++;
                note({{"what", "nvme namespace head added"}, {"disk", name}});
                const auto nqn = subsystem.nqn;
                const auto nsid = head.nsid;
                schedule(jittered(fabric_.timing.udev_ms), "udev links", [this, nqn, nsid] {
                    for (auto& [n, st] : state_.nvme.subsystems) {
                        if (st.nqn == nqn && st.heads.contains(nsid)) {
                            st.heads.at(nsid).links = true;
                        }
                    }
                });
                touch();
            }
            ++h;
        }
        if (!has_controller) {
            note({{"what", "nvme subsystem removed"}, {"subsystem", subsystem.name()}});
            s = nvme.subsystems.erase(s);
            touch();
            continue;
        }
        ++s;
    }
}

void Model::nvme_remove_controller(unsigned instance, const std::string& why) {
    auto& nvme = state_.nvme;
    const auto it = nvme.controllers.find(instance);
    if (it == nvme.controllers.end()) {
        return;
    }
    for (const auto& disk : nvme_disks()) {
        if (disk.controller == instance) {
            if (auto dirty = nvme.dirty.find(disk.name); dirty != nvme.dirty.end()) {
                drop_dirty(disk.volume_id, dirty->second);
                nvme.dirty.erase(dirty);
            }
        }
    }
    std::erase_if(nvme.private_disks,
                  [&](const auto& entry) { return entry.first.first == instance; });
    note({{"what", "nvme controller removed"}, {"controller", it->second.name()}, {"why", why}});
    nvme.controllers.erase(it);
    nvme_refresh();
    touch();
}

WriteEffect Model::nvme_delete_controller(unsigned instance) {
    const auto it = state_.nvme.controllers.find(instance);
    if (it == state_.nvme.controllers.end()) {
        return WriteEffect{ENOENT, 0, {}, {}};
    }
    HostAction action;
    action.kind = ActionKind::delete_nvme_controller;
    action.object = it->second.name();
    action.target = it->second.subsystem_nqn;
    action.portal = Portal{it->second.traddr, static_cast<std::uint16_t>(it->second.trsvcid)};
    for (const auto& [number, subsystem] : state_.nvme.subsystems) {
        if (subsystem.nqn != it->second.subsystem_nqn) {
            continue;
        }
        for (const auto nsid : it->second.paths) {
            if (const auto head = subsystem.heads.find(nsid); head != subsystem.heads.end()) {
                action.volumes.insert(head->second.volume_id);
            }
        }
    }
    report(action);
    if (it->second.state == "deleting") {
        return WriteEffect{};  // another writer is deleting it already
    }
    it->second.state = "deleting";
    touch();
    WriteEffect effect;
    effect.duration_ms = jittered(fabric_.timing.nvme_delete_ms);
    effect.apply = [this, instance] { nvme_remove_controller(instance, "delete_controller"); };
    return effect;
}

WriteEffect Model::nvme_rescan_controller(unsigned instance) {
    if (!state_.nvme.controllers.contains(instance)) {
        return WriteEffect{ENOENT, 0, {}, {}};
    }
    WriteEffect effect;
    effect.duration_ms = fabric_.timing.scan_ms;
    effect.apply = [this, instance] {
        nvme_scan(instance);
        // Sizes are read again.
        for (auto& [n, s] : state_.nvme.subsystems) {
            for (auto& [nsid, head] : s.heads) {
                if (const auto v = fabric_.volumes.find(head.volume_id);
                    v != fabric_.volumes.end()) {
                    head.size_bytes = v->second.size_bytes;
                }
            }
        }
        touch();
    };
    return effect;
}

void Model::nvme_lose_connection(unsigned instance) {
    const auto it = state_.nvme.controllers.find(instance);
    if (it == state_.nvme.controllers.end() || it->second.state != "live") {
        return;
    }
    it->second.state = "connecting";
    it->second.lost_at_ms = now_ms_;
    note({{"what", "nvme controller connecting"}, {"controller", it->second.name()}});
    schedule(static_cast<std::int64_t>(it->second.reconnect_delay) * 1000, "nvme reconnect",
             [this, instance] { nvme_reconnect(instance); });
    touch();
}

void Model::nvme_reconnect(unsigned instance) {
    const auto it = state_.nvme.controllers.find(instance);
    if (it == state_.nvme.controllers.end() || it->second.state != "connecting") {
        return;
    }
    auto& controller = it->second;
    const auto* port = nvme_port_of(controller);
    const auto* subsystem = fabric_.find_subsystem(controller.subsystem_nqn);
    const nlohmann::json context{{"portal", port != nullptr ? port->portal() : ""},
                                 {"nqn", controller.subsystem_nqn}};
    if (port != nullptr && port->exported && subsystem->allows(controller.host_nqn) &&
        consult(FaultKind::portal_unreachable, context) == nullptr) {
        controller.state = "live";
        controller.lost_at_ms = -1;
        note({{"what", "nvme controller live"}, {"controller", controller.name()}});
        touch();
        nvme_scan(instance);
        return;
    }
    if (controller.ctrl_loss_tmo >= 0 &&
        now_ms_ - controller.lost_at_ms >=
            static_cast<std::int64_t>(controller.ctrl_loss_tmo) * 1000) {
        nvme_remove_controller(instance, "ctrl_loss_tmo expired");
        return;
    }
    schedule(static_cast<std::int64_t>(controller.reconnect_delay) * 1000, "nvme reconnect",
             [this, instance] { nvme_reconnect(instance); });
}

void Model::fire_nvme_action(FaultKind kind, const nlohmann::json& params) {
    const auto recover = params.value("recover_ms", std::int64_t{0});
    if (kind == FaultKind::namespace_removed) {
        const auto nqn = params.value("nqn", std::string());
        const auto nsid = params.value("nsid", std::uint32_t{0});
        for (auto& subsystem : fabric_.nvme_subsystems) {
            if (subsystem.nqn != nqn) {
                continue;
            }
            std::erase_if(subsystem.namespaces,
                          [&](const NvmeNamespace& ns) { return ns.nsid == nsid; });
            note({{"what", "target removed namespace"}, {"nqn", nqn}, {"nsid", nsid}});
        }
        // The namespace-changed AEN makes every controller rescan.
        schedule(jittered(fabric_.timing.nvme_ns_ms), "nvme scan", [this, nqn] {
            for (const auto& [instance, c] : state_.nvme.controllers) {
                if (c.subsystem_nqn == nqn) {
                    nvme_scan(instance);
                }
            }
        });
        return;
    }
    for (auto& subsystem : fabric_.nvme_subsystems) {
        for (auto& port : subsystem.ports) {
            const nlohmann::json context{{"nqn", subsystem.nqn}, {"portal", port.portal()}};
            if (!fault_matches(params, context)) {
                continue;
            }
            if (kind == FaultKind::controller_connecting) {
                // The subsystem is unlinked from the port: its controllers
                // lose the connection and reconnect in vain.
                port.exported = false;
                note({{"what", "target unlinked port"},
                      {"nqn", subsystem.nqn},
                      {"portal", port.portal()}});
                for (const auto& [instance, c] : state_.nvme.controllers) {
                    if (c.subsystem_nqn == subsystem.nqn && c.port_id == port.id) {
                        const unsigned id = instance;
                        schedule(jittered(50), "nvme keep-alive fails",
                                 [this, id] { nvme_lose_connection(id); });
                    }
                }
            } else if (kind == FaultKind::ana_inaccessible) {
                const auto group = params.value("ana_group", 0U);
                for (const auto& ns : subsystem.namespaces) {
                    if (group == 0 || ns.ana_group == group) {
                        port.ana[ns.ana_group] = "inaccessible";
                    }
                }
                note({{"what", "ANA group inaccessible"},
                      {"nqn", subsystem.nqn},
                      {"portal", port.portal()}});
            }
        }
    }
    nvme_refresh();
    touch();
    if (recover > 0) {
        schedule(recover, "nvme fault recovers", [this, kind, params] { nvme_heal(kind, params); });
    }
}

void Model::nvme_heal(FaultKind kind, const nlohmann::json& params) {
    for (auto& subsystem : fabric_.nvme_subsystems) {
        for (auto& port : subsystem.ports) {
            const nlohmann::json context{{"nqn", subsystem.nqn}, {"portal", port.portal()}};
            if (!fault_matches(params, context)) {
                continue;
            }
            if (kind == FaultKind::controller_connecting && !port.exported) {
                port.exported = true;
                note({{"what", "target relinked port"},
                      {"nqn", subsystem.nqn},
                      {"portal", port.portal()}});
            } else if (kind == FaultKind::ana_inaccessible && !port.ana.empty()) {
                port.ana.clear();
                note({{"what", "ANA group optimized"},
                      {"nqn", subsystem.nqn},
                      {"portal", port.portal()}});
            }
        }
    }
    nvme_refresh();
    touch();
}

std::vector<NvmeDisk> Model::nvme_disks() const {
    std::vector<NvmeDisk> disks;
    const auto& nvme = state_.nvme;
    const bool native = nvme_native_multipath();
    for (const auto& [number, subsystem] : nvme.subsystems) {
        for (const auto& [nsid, head] : subsystem.heads) {
            if (native) {
                if (!head.disk_visible) {
                    continue;
                }
                NvmeDisk disk;
                disk.name = "nvme" + std::to_string(subsystem.instance) + "n" +
                            std::to_string(head.instance);
                disk.subsystem_nqn = subsystem.nqn;
                disk.nsid = nsid;
                disk.volume_id = head.volume_id;
                disk.minor = head.minor;
                disk.links = head.links;
                for (const auto& [instance, c] : nvme.controllers) {
                    if (c.subsystem_nqn != subsystem.nqn || !c.paths.contains(nsid)) {
                        continue;
                    }
                    disk.usable = disk.usable || nvme_path_usable(c, nsid);
                    disk.queued = disk.queued || c.state == "live" || c.state == "connecting" ||
                                  c.state == "resetting";
                }
                disk.queued = disk.queued && !disk.usable;
                disks.push_back(std::move(disk));
                continue;
            }
            for (const auto& [instance, c] : nvme.controllers) {
                const auto key = std::make_pair(instance, nsid);
                const auto it = nvme.private_disks.find(key);
                if (c.subsystem_nqn != subsystem.nqn || it == nvme.private_disks.end()) {
                    continue;
                }
                NvmeDisk disk;
                disk.name = "nvme" + std::to_string(instance) + "n" + std::to_string(head.instance);
                disk.subsystem_nqn = subsystem.nqn;
                disk.nsid = nsid;
                disk.volume_id = head.volume_id;
                disk.controller = instance;
                disk.minor = it->second.minor;
                disk.links = it->second.links;
                disk.usable = nvme_path_usable(c, nsid);
                disk.queued = !disk.usable && (c.state == "connecting" || c.state == "resetting");
                disks.push_back(std::move(disk));
            }
        }
    }
    std::sort(disks.begin(), disks.end(),
              [](const NvmeDisk& a, const NvmeDisk& b) { return a.name < b.name; });
    return disks;
}

std::optional<NvmeDisk> Model::nvme_disk(const std::string& name) const {
    if (name.rfind("nvme", 0) != 0) {
        return std::nullopt;
    }
    for (auto& disk : nvme_disks()) {
        if (disk.name == name) {
            return disk;
        }
    }
    return std::nullopt;
}

std::optional<std::uint64_t> Model::block_device_size(const std::string& device) const {
    if (const auto disk = nvme_disk(device)) {
        for (const auto& [n, s] : state_.nvme.subsystems) {
            if (s.nqn == disk->subsystem_nqn) {
                return s.heads.at(disk->nsid).size_bytes;
            }
        }
    }
    if (const auto* array = md_array(device)) {
        return array->size_bytes;
    }
    for (const auto& [id, mapping] : state_.storage.rbd) {
        if (mapping.device() == device) {
            return fabric_.volumes.at(mapping.volume_id).size_bytes;
        }
    }
    for (const auto& lv : state_.storage.logical_volumes) {
        if (lv.device() == device) {
            return fabric_.volumes.at(lv.volume_id).size_bytes;
        }
    }
    if (const auto* crypt = crypt_mapping(device)) {
        return crypt->size_bytes;
    }
    return std::nullopt;
}

// --- block I/O on NVMe and md devices ------------------------------------------

std::optional<std::string> Model::readable_volume(const std::string& name) const {
    if (const auto disk = nvme_disk(name)) {
        if (disk->usable && fabric_.volumes.contains(disk->volume_id)) {
            return disk->volume_id;
        }
    }
    return std::nullopt;
}

std::optional<int> Model::extra_write(const std::string& name, std::uint64_t offset,
                                      const std::string& bytes) {
    const auto disk = nvme_disk(name);
    const auto* array = disk ? nullptr : md_array(name);
    if (!disk && array == nullptr) {
        return std::nullopt;
    }
    const auto device = disk ? disk->name : array->device();
    std::string current;
    const auto first = offset / block_size;
    const auto last = (offset + bytes.size() + block_size - 1) / block_size;
    if (const auto error =
            extra_read(device, first * block_size, (last - first) * block_size, current);
        error && *error != 0) {
        return *error;
    }
    current.replace(offset - first * block_size, bytes.size(), bytes);
    auto& dirty = state_.nvme.dirty[device];
    for (auto index = first; index < last; ++index) {
        dirty[index] = current.substr((index - first) * block_size, block_size);
    }
    return 0;
}

std::optional<int> Model::extra_read(const std::string& name, std::uint64_t offset,
                                     std::size_t length, std::string& out) {
    const auto disk = nvme_disk(name);
    const auto* array = disk ? nullptr : md_array(name);
    if (!disk && array == nullptr) {
        return std::nullopt;
    }
    const auto device = disk ? disk->name : array->device();
    std::optional<std::string> volume;
    if (disk) {
        volume = readable_volume(device);
    } else {
        for (const auto& leg : array->legs) {
            if (!volume) {
                volume = readable_volume(leg);
            }
        }
    }
    static const std::map<std::uint64_t, std::string> none;
    const auto found = state_.nvme.dirty.find(device);
    const auto& dirty = found == state_.nvme.dirty.end() ? none : found->second;
    out.clear();
    for (std::uint64_t pos = offset; pos < offset + length;) {
        const auto index = pos / block_size;
        std::string block;
        if (const auto it = dirty.find(index); it != dirty.end()) {
            block = it->second;
        } else if (volume) {
            block = block_of(fabric_.volumes.at(*volume).blocks, index);
        } else {
            return disk && disk->queued ? ETIMEDOUT : EIO;
        }
        const auto within = pos % block_size;
        const auto take = std::min<std::uint64_t>(block_size - within, offset + length - pos);
        out += block.substr(within, take);
        pos += take;
    }
    return 0;
}

std::optional<int> Model::extra_flush(const std::string& name) {
    const auto disk = nvme_disk(name);
    const auto* array = disk ? nullptr : md_array(name);
    if (!disk && array == nullptr) {
        return std::nullopt;
    }
    const auto device = disk ? disk->name : array->device();
    if (consult(FaultKind::device_held_open, {{"device", device}}) != nullptr) {
        return EBUSY;
    }
    const auto found = state_.nvme.dirty.find(device);
    if (found == state_.nvme.dirty.end() || found->second.empty()) {
        return 0;
    }
    std::vector<std::string> volumes;
    if (disk) {
        if (const auto v = readable_volume(device)) {
            volumes.push_back(*v);
        } else {
            return disk->queued ? ETIMEDOUT : EIO;
        }
    } else {
        for (const auto& leg : array->legs) {
            if (const auto v = readable_volume(leg)) {
                volumes.push_back(*v);
            }
        }
        if (volumes.empty()) {
            return EIO;
        }
    }
    for (const auto& volume : volumes) {
        auto copy = found->second;
        write_blocks(volume, copy);
    }
    found->second.clear();
    return 0;
}

// udev's 60-persistent-storage rules for NVMe namespaces: the wwid
// attribute, and the model and serial (with and without the NSID).
void Model::append_nvme_links(std::vector<UdevLink>& links) const {
    std::map<std::string, std::string> by_id;
    for (const auto& disk : nvme_disks()) {
        if (!disk.links) {
            continue;
        }
        for (const auto& [n, s] : state_.nvme.subsystems) {
            if (s.nqn != disk.subsystem_nqn) {
                continue;
            }
            const auto& head = s.heads.at(disk.nsid);
            if (!head.uuid.empty()) {
                by_id.try_emplace("/dev/disk/by-id/nvme-uuid." + head.uuid, disk.name);
            } else if (!head.nguid.empty()) {
                by_id.try_emplace("/dev/disk/by-id/nvme-eui." + head.nguid, disk.name);
            }
            const auto id = udev_safe(s.model) + "_" + udev_safe(s.serial);
            by_id.try_emplace("/dev/disk/by-id/nvme-" + id, disk.name);
            by_id.try_emplace("/dev/disk/by-id/nvme-" + id + "_" + std::to_string(disk.nsid),
                              disk.name);
        }
    }
    for (const auto& [path, device] : by_id) {
        links.push_back({path, device});
    }
}

}  // namespace brick::sim
