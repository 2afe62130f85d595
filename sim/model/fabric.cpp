#include "sim/model/fabric.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "brick/core/error.hpp"
#include "brick/core/json_text.hpp"
#include "brick/core/secrets.hpp"

namespace brick::sim {
namespace {

using nlohmann::json;

// Reads typed members of one JSON object, naming the pointer on every error
// and rejecting unknown keys (a typo in a fabric must not pass silently).
class ObjectReader {
  public:
    ObjectReader(const json& value, std::string pointer)
        : value_(value), pointer_(std::move(pointer)) {
        if (!value_.is_object()) {
            throw FabricError(where(), "expected an object");
        }
    }

    std::string where(const std::string& key = {}) const {
        if (key.empty()) {
            return pointer_.empty() ? "/" : pointer_;
        }
        return pointer_ + "/" + key;
    }

    const json* get(const std::string& key) {
        seen_.insert(key);
        const auto it = value_.find(key);
        return it == value_.end() || it->is_null() ? nullptr : &*it;
    }

    std::optional<std::string> string(const std::string& key) {
        const auto* v = get(key);
        if (v == nullptr) {
            return std::nullopt;
        }
        if (!v->is_string()) {
            throw FabricError(where(key), "expected a string");
        }
        return v->get<std::string>();
    }

    std::string required_string(const std::string& key) {
        auto v = string(key);
        if (!v || v->empty()) {
            throw FabricError(where(key), "required, a non-empty string");
        }
        return *v;
    }

    std::optional<std::uint64_t> number(const std::string& key) {
        const auto* v = get(key);
        if (v == nullptr) {
            return std::nullopt;
        }
        if (!v->is_number_unsigned() && !(v->is_number_integer() && v->get<std::int64_t>() >= 0)) {
            throw FabricError(where(key), "expected a non-negative integer");
        }
        return v->get<std::uint64_t>();
    }

    unsigned small_number(const std::string& key, unsigned fallback) {
        const auto v = number(key);
        if (v && *v > 100000000U) {
            throw FabricError(where(key), "too large");
        }
        return v ? static_cast<unsigned>(*v) : fallback;
    }

    bool boolean(const std::string& key, bool fallback) {
        const auto* v = get(key);
        if (v == nullptr) {
            return fallback;
        }
        if (!v->is_boolean()) {
            throw FabricError(where(key), "expected true or false");
        }
        return v->get<bool>();
    }

    const json* array(const std::string& key) {
        const auto* v = get(key);
        if (v != nullptr && !v->is_array()) {
            throw FabricError(where(key), "expected an array");
        }
        return v;
    }

    // Every key must have been read.
    void finish() const {
        for (const auto& [key, item] : value_.items()) {
            if (!seen_.contains(key) && key.rfind('_', 0) != 0) {  // "_notes" etc. are comments
                throw FabricError(where(key), "unknown key");
            }
        }
    }

  private:
    const json& value_;
    std::string pointer_;
    std::set<std::string> seen_;
};

std::optional<Chap> parse_chap(ObjectReader& parent, const std::string& key) {
    const auto* v = parent.get(key);
    if (v == nullptr) {
        return std::nullopt;
    }
    ObjectReader reader(*v, parent.where(key));
    Chap chap{reader.required_string("username"), reader.required_string("password")};
    reader.finish();
    // Secrets of the fabric never appear in a trace.
    register_secret(chap.password);
    return chap;
}

bool is_hex(const std::string& text) {
    return !text.empty() && text.size() % 2 == 0 &&
           text.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

HostSettings parse_host(const json& value, const std::string& pointer) {
    ObjectReader r(value, pointer);
    HostSettings host;
    host.initiator_name = r.string("initiator_name").value_or(host.initiator_name);
    host.product_uuid = r.string("product_uuid").value_or(host.product_uuid);
    host.nvme_core_multipath = r.string("nvme_core_multipath").value_or(host.nvme_core_multipath);
    host.ip_address = r.string("ip_address").value_or(host.ip_address);
    host.local_disks = r.small_number("local_disks", host.local_disks);
    host.first_scsi_host = r.small_number("first_scsi_host", host.first_scsi_host);
    host.multipathd_running = r.boolean("multipathd_running", host.multipathd_running);
    host.iscsid_running = r.boolean("iscsid_running", host.iscsid_running);
    if (host.local_disks > 26) {
        throw FabricError(r.where("local_disks"), "at most 26");
    }
    if (host.local_disks > 0 && host.first_scsi_host == 0) {
        throw FabricError(r.where("first_scsi_host"), "host 0 holds the local disks");
    }
    r.finish();
    return host;
}

Timing parse_timing(const json& value, const std::string& pointer) {
    ObjectReader r(value, pointer);
    Timing t;
    t.tool_ms = r.small_number("tool_ms", t.tool_ms);
    t.login_ms = r.small_number("login_ms", t.login_ms);
    t.logout_ms = r.small_number("logout_ms", t.logout_ms);
    t.discovery_ms = r.small_number("discovery_ms", t.discovery_ms);
    t.unreachable_ms = r.small_number("unreachable_ms", t.unreachable_ms);
    t.scan_ms = r.small_number("scan_ms", t.scan_ms);
    t.disk_ms = r.small_number("disk_ms", t.disk_ms);
    t.udev_ms = r.small_number("udev_ms", t.udev_ms);
    t.map_ms = r.small_number("map_ms", t.map_ms);
    t.delete_ms = r.small_number("delete_ms", t.delete_ms);
    t.flush_ms = r.small_number("flush_ms", t.flush_ms);
    t.nvme_connect_ms = r.small_number("nvme_connect_ms", t.nvme_connect_ms);
    t.nvme_ns_ms = r.small_number("nvme_ns_ms", t.nvme_ns_ms);
    t.nvme_delete_ms = r.small_number("nvme_delete_ms", t.nvme_delete_ms);
    t.nvme_refused_ms = r.small_number("nvme_refused_ms", t.nvme_refused_ms);
    t.md_ms = r.small_number("md_ms", t.md_ms);
    t.fc_login_ms = r.small_number("fc_login_ms", t.fc_login_ms);
    t.daemon_start_ms = r.small_number("daemon_start_ms", t.daemon_start_ms);
    t.boot_ms = r.small_number("boot_ms", t.boot_ms);
    t.jitter_percent = r.small_number("jitter_percent", t.jitter_percent);
    if (t.jitter_percent > 100) {
        throw FabricError(r.where("jitter_percent"), "at most 100");
    }
    r.finish();
    return t;
}

}  // namespace

void only_keys(const json& value, const std::string& pointer, const std::set<std::string>& keys,
               CommentKeys comments) {
    if (!value.is_object()) {
        throw FabricError(pointer, "expected an object");
    }
    for (const auto& [key, item] : value.items()) {
        if (keys.contains(key) || (comments == CommentKeys::allowed && key.starts_with('_'))) {
            continue;
        }
        throw FabricError(std::string(pointer).append("/").append(key), "unknown key");
    }
}

Volume parse_volume(const json& spec, const std::string& pointer, const std::string& default_id) {
    ObjectReader r(spec, pointer);
    Volume volume;
    r.get("lun");  // the LUN number belongs to the caller
    volume.id = r.string("volume").value_or(default_id);
    const auto size = r.number("size");
    if (!size || *size == 0 || *size % 512 != 0) {
        throw FabricError(r.where("size"), "required, a positive multiple of 512 bytes");
    }
    volume.size_bytes = *size;
    volume.serial = r.string("serial").value_or("");
    volume.vendor = r.string("vendor").value_or(volume.vendor);
    volume.model = r.string("model").value_or(volume.model);
    volume.revision = r.string("revision").value_or(volume.revision);
    volume.write_protected = r.boolean("read_only", false);
    if (const auto* list = r.array("designators")) {
        if (list->size() > 16) {
            throw FabricError(r.where("designators"), "at most 16 designators");
        }
        for (std::size_t i = 0; i < list->size(); ++i) {
            ObjectReader d((*list)[i], r.where("designators") + "/" + std::to_string(i));
            const auto type_name = d.required_string("type");
            const auto type = designator_type_from_name(type_name);
            if (!type) {
                throw FabricError(d.where("type"), "one of naa, eui, t10");
            }
            auto value = d.string("value").value_or("");
            if (*type != DesignatorType::t10 && !value.empty() && !is_hex(value)) {
                throw FabricError(d.where("value"), "hex digits, an even count");
            }
            if (*type == DesignatorType::naa && !value.empty() && value.size() != 16 &&
                value.size() != 32) {
                throw FabricError(d.where("value"), "an NAA identifier has 8 or 16 bytes");
            }
            if (*type == DesignatorType::eui64 && !value.empty() && value.size() != 16 &&
                value.size() != 24 && value.size() != 32) {
                throw FabricError(d.where("value"), "an EUI-64 identifier has 8, 12 or 16 bytes");
            }
            // A designator's length is one byte on the page; ASCII designators
            // are printable (SPC-4, code set 2).
            if (*type == DesignatorType::t10 &&
                (value.size() > 255 || std::any_of(value.begin(), value.end(),
                                                   [](char c) { return c < 0x20 || c > 0x7e; }))) {
                throw FabricError(d.where("value"),
                                  "a T10 identifier of at most 255 printable ASCII characters");
            }
            d.finish();
            volume.designators.push_back(Designator{*type, value});
        }
    }
    r.finish();
    return volume;
}

int IscsiTarget::tpgt_of(const Portal& portal) const {
    const auto it = portal_tags.find(portal);
    return it == portal_tags.end() ? tpgt : it->second;
}

IscsiTarget* Fabric::find_target(const std::string& iqn) {
    for (auto& t : iscsi_targets) {
        if (t.iqn == iqn) {
            return &t;
        }
    }
    return nullptr;
}

const IscsiTarget* Fabric::find_target(const std::string& iqn) const {
    for (const auto& t : iscsi_targets) {
        if (t.iqn == iqn) {
            return &t;
        }
    }
    return nullptr;
}

Volume* Fabric::volume_at(const std::string& iqn, std::uint64_t lun) {
    auto* target = find_target(iqn);
    if (target == nullptr) {
        return nullptr;
    }
    for (const auto& l : target->luns) {
        if (l.number == lun) {
            const auto it = volumes.find(l.volume_id);
            return it == volumes.end() ? nullptr : &it->second;
        }
    }
    return nullptr;
}

// A portal group's tag: 1 to 65535.
int portal_group_tag(ObjectReader& reader, const std::string& key) {
    const auto tag = reader.number(key).value_or(1);
    if (tag < 1 || tag > 65535) {
        throw FabricError(reader.where(key), "from 1 to 65535");
    }
    return static_cast<int>(tag);
}

// reader's "portals" (a non-empty array of "host:port") appended to the
// target's portals, each in the portal group tag; a portal twice is an error.
void parse_portals(ObjectReader& reader, IscsiTarget& target, int tag) {
    const auto* portals = reader.array("portals");
    if (portals == nullptr || portals->empty()) {
        throw FabricError(reader.where("portals"), "required, a non-empty array");
    }
    for (std::size_t p = 0; p < portals->size(); ++p) {
        const auto& item = (*portals)[p];
        const auto where = reader.where("portals") + "/" + std::to_string(p);
        if (!item.is_string()) {
            throw FabricError(where, "expected \"host:port\"");
        }
        auto portal = parse_portal(item.get<std::string>());
        if (!portal) {
            throw FabricError(where, "not a portal: " + item.get<std::string>());
        }
        if (std::find(target.portals.begin(), target.portals.end(), *portal) !=
            target.portals.end()) {
            throw FabricError(where, "duplicate portal " + portal->to_string());
        }
        target.portals.push_back(*portal);
        target.portal_tags[*portal] = tag;
    }
}

// A target's portals: "portals" in one portal group ("tpgt", default 1), or
// "portal_groups", each with its "tag" and "portals".
void parse_portal_groups(ObjectReader& t, IscsiTarget& target) {
    const auto* groups = t.array("portal_groups");
    if (groups == nullptr) {
        target.tpgt = portal_group_tag(t, "tpgt");
        parse_portals(t, target, target.tpgt);
        target.portal_tags.clear();
        return;
    }
    if (t.get("portals") != nullptr || t.get("tpgt") != nullptr) {
        throw FabricError(t.where("portal_groups"), "in place of portals and tpgt, not beside");
    }
    if (groups->empty()) {
        throw FabricError(t.where("portal_groups"), "required, a non-empty array");
    }
    std::set<int> tags;
    for (std::size_t g = 0; g < groups->size(); ++g) {
        ObjectReader group((*groups)[g], t.where("portal_groups") + "/" + std::to_string(g));
        if (group.get("tag") == nullptr) {
            throw FabricError(group.where("tag"), "required, from 1 to 65535");
        }
        const auto tag = portal_group_tag(group, "tag");
        if (!tags.insert(tag).second) {
            throw FabricError(group.where("tag"), "duplicate portal group tag");
        }
        if (g == 0) {
            target.tpgt = tag;
        }
        parse_portals(group, target, tag);
        group.finish();
    }
}

Fabric parse_fabric(const json& document) {
    ObjectReader root(document, "");
    Fabric fabric;
    if (const auto* host = root.get("host")) {
        fabric.host = parse_host(*host, "/host");
    }
    if (const auto* timing = root.get("timing")) {
        fabric.timing = parse_timing(*timing, "/timing");
    }
    if (const auto* iscsi = root.get("iscsi")) {
        ObjectReader r(*iscsi, "/iscsi");
        fabric.discovery_chap = parse_chap(r, "discovery_chap");
        const auto* targets = r.array("targets");
        for (std::size_t i = 0; targets != nullptr && i < targets->size(); ++i) {
            const auto pointer = "/iscsi/targets/" + std::to_string(i);
            ObjectReader t((*targets)[i], pointer);
            IscsiTarget target;
            target.iqn = t.required_string("iqn");
            if (target.iqn.rfind("iqn.", 0) != 0 && target.iqn.rfind("eui.", 0) != 0 &&
                target.iqn.rfind("naa.", 0) != 0) {
                throw FabricError(t.where("iqn"), "an iSCSI name starts with iqn., eui. or naa.");
            }
            if (fabric.find_target(target.iqn) != nullptr) {
                throw FabricError(t.where("iqn"), "duplicate target " + target.iqn);
            }
            parse_portal_groups(t, target);
            target.attached = t.boolean("attached", false);
            target.iser = t.boolean("iser", false);
            target.chap = parse_chap(t, "chap");
            target.mutual_chap = parse_chap(t, "mutual_chap");
            if (target.mutual_chap && !target.chap) {
                throw FabricError(t.where("mutual_chap"), "needs chap as well");
            }
            const auto* luns = t.array("luns");
            for (std::size_t l = 0; luns != nullptr && l < luns->size(); ++l) {
                const auto lun_pointer = t.where("luns") + "/" + std::to_string(l);
                const auto& spec = (*luns)[l];
                if (!spec.is_object() || !spec.contains("lun") ||
                    !spec["lun"].is_number_unsigned()) {
                    throw FabricError(lun_pointer + "/lun", "required, a non-negative integer");
                }
                const auto number = spec["lun"].get<std::uint64_t>();
                if (number > 16383) {
                    throw FabricError(lun_pointer + "/lun", "at most 16383 (flat addressing)");
                }
                for (const auto& existing : target.luns) {
                    if (existing.number == number) {
                        throw FabricError(lun_pointer + "/lun", "duplicate LUN");
                    }
                }
                auto volume =
                    parse_volume(spec, lun_pointer, target.iqn + ":lun" + std::to_string(number));
                if (fabric.volumes.contains(volume.id)) {
                    throw FabricError(lun_pointer + "/volume", "duplicate volume " + volume.id);
                }
                target.luns.push_back(Lun{number, volume.id});
                fabric.volumes.emplace(volume.id, std::move(volume));
            }
            t.finish();
            fabric.iscsi_targets.push_back(std::move(target));
        }
        r.finish();
    }
    if (const auto* nvme = root.get("nvme")) {
        parse_nvme_section(*nvme, fabric);
    }
    {
        const auto* nfs = root.get("nfs");
        const auto* rbd = root.get("rbd");
        const auto* local = root.get("local");
        parse_storage_sections(nfs, rbd, local, fabric);
    }
    if (const auto* fc = root.get("fc")) {
        parse_fc_section(*fc, fabric);
    }
    root.finish();
    return fabric;
}

Fabric load_fabric(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        throw FabricError("/", "cannot read fabric file " + path);
    }
    std::stringstream text;
    text << in.rdbuf();
    return parse_fabric_text(text.str(), path);
}

Fabric parse_fabric_text(std::string_view text, const std::string& name) {
    JsonDocument document;
    try {
        document = parse_json_text_keeping_duplicates(text, name);
    } catch (const Error& e) {
        throw FabricError("/", e.message());
    }
    if (document.duplicate) {
        throw FabricError(pointer_path(*document.duplicate), "a key given twice in one object");
    }
    return parse_fabric(document.value);
}

}  // namespace brick::sim
