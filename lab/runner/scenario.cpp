#include "scenario.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

#include "brick/core/error.hpp"
#include "brick/core/json_text.hpp"
#include "brick/core/secrets.hpp"
#include "brick/properties/parse.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

std::string read_text_file(const fs::path& file) {
    std::ifstream in(file);
    if (!in) {
        throw Error(ErrorCategory::invalid_properties, file.string() + ": cannot be read",
                    file.string());
    }
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Strict JSON (brick/core/json_text.hpp): a key given twice is an error naming
// its JSON pointer, as schema errors do.
nlohmann::json parse_json_document(std::string_view text, const fs::path& file) {
    auto document = parse_json_text_keeping_duplicates(text, file.string());
    if (document.duplicate) {
        const auto where = pointer_path(*document.duplicate);
        throw Error(ErrorCategory::invalid_properties,
                    file.string() + ": " + where + ": a key given twice in one object", where);
    }
    return std::move(document.value);
}

// Valijson's context is a list of path components ("<root>", "[steps]", "[3]").
std::string json_path(const std::vector<std::string>& context) {
    std::string path;
    for (const auto& part : context) {
        if (part == "<root>") {
            continue;
        }
        path += part;
    }
    return path.empty() ? "(document)" : path;
}

// The schema, read and compiled once per process (a run loads every scenario).
const valijson::Schema& scenario_schema() {
    static const auto schema = [] {
        const auto file = scenario_root() / "schema/scenario.schema.json";
        const auto document = parse_json_document(read_text_file(file), file);
        auto compiled = std::make_unique<valijson::Schema>();
        valijson::SchemaParser parser;
        parser.populateSchema(valijson::adapters::NlohmannJsonAdapter(document), *compiled);
        return compiled;
    }();
    return *schema;
}

void validate_against_schema(const fs::path& file, const nlohmann::json& document) {
    const auto& schema = scenario_schema();
    // One validator for the process: it keeps the schema's patterns compiled.
    static std::mutex mutex;
    static valijson::Validator validator;
    valijson::ValidationResults results;
    const valijson::adapters::NlohmannJsonAdapter target(document);
    {
        const std::lock_guard lock(mutex);
        if (validator.validate(schema, target, &results)) {
            return;
        }
    }
    // The deepest error is the most specific one.
    valijson::ValidationResults::Error best;
    valijson::ValidationResults::Error error;
    while (results.popError(error)) {
        if (error.context.size() > best.context.size()) {
            best = error;
        }
    }
    const auto where = json_path(best.context);
    throw Error(ErrorCategory::invalid_properties,
                file.string() + ": " + where + ": " + best.description, where);
}

Portal portal_of(const std::string& field, const nlohmann::json& value) {
    return parse_portal(field, value.get<std::string>(), 3260);
}

std::optional<ChapSpec> chap_of(const nlohmann::json& object, const char* key) {
    if (!object.contains(key)) {
        return std::nullopt;
    }
    const auto& c = object.at(key);
    ChapSpec chap{c.at("username"), c.at("password"), c.value("username_in", ""),
                  c.value("password_in", "")};
    register_secret(chap.password);
    register_secret(chap.password_in);
    return chap;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

std::vector<LunSpec> luns_of(const nlohmann::json& list) {
    std::vector<LunSpec> luns;
    for (const auto& l : list) {
        luns.push_back(
            {l.at("lun"), l.at("size_mib"), l.at("serial"), l.value("read_only", false)});
    }
    return luns;
}

FcFabricSpec fc_fabric_of(const nlohmann::json& fc) {
    FcFabricSpec spec;
    for (const auto& h : fc.at("hbas")) {
        spec.hbas.push_back({lower(h.at("wwpn")), h.value("port_state", "Online")});
    }
    for (const auto& t : fc.value("targets", nlohmann::json::array())) {
        FcTargetSpec target;
        target.wwnn = lower(t.at("wwnn"));
        for (const auto& port : t.at("ports")) {
            target.ports.push_back(lower(port));
        }
        target.luns = luns_of(t.at("luns"));
        spec.targets.push_back(std::move(target));
    }
    if (fc.contains("zones")) {
        spec.zones.emplace();
        for (const auto& z : fc.at("zones")) {
            FcZoneSpec zone{z.value("name", ""), {}};
            for (const auto& member : z.at("members")) {
                zone.members.push_back(lower(member));
            }
            spec.zones->push_back(std::move(zone));
        }
    }
    return spec;
}

Step step_of(const nlohmann::json& value) {
    Step step;
    for (const char* op : {"connect", "disconnect", "write", "verify", "extend", "fault", "heal",
                           "check", "restart", "stop", "start"}) {
        if (value.contains(op)) {
            step.op = op;
            step.subject = value.at(op).get<std::string>();
        }
    }
    if (value.contains("concurrent")) {
        step.op = "concurrent";
        for (const auto& inner : value.at("concurrent")) {
            step.concurrent.push_back(step_of(inner));
        }
    }
    if (value.contains("wait_ms")) {
        step.op = "wait_ms";
        step.wait_ms = value.at("wait_ms").get<std::int64_t>();
    }
    if (value.contains("reboot")) {
        step.op = "reboot";
        step.subject = "host";
    }
    step.params = value.value("params", nlohmann::json::object());
    step.expect = value.value("expect", "ok");
    step.force = value.value("force", false);
    step.ignore_errors = value.value("ignore_errors", false);
    step.pattern = value.value("pattern", std::uint64_t{0});
    step.mib = value.value("mib", std::uint64_t{1});
    step.size_mib = value.value("size_mib", std::uint64_t{0});
    step.link = value.value("link", "device");
    step.returns = value.value("returns", "");
    step.down_ms = value.value("down_ms", std::int64_t{0});
    if (value.contains("within_ms")) {
        step.within_ms = value.at("within_ms").get<std::int64_t>();
    }
    return step;
}

void check_nvme_references(const Scenario& scenario, const std::string& name,
                           const VolumeSpec& volume) {
    const auto field = "/volumes/" + name;
    for (const auto& ref : volume.nvme_namespaces()) {
        const auto* subsystem = scenario.fabric.find_nvme_subsystem(ref.subsystem);
        if (subsystem == nullptr) {
            throw Error(ErrorCategory::invalid_properties,
                        scenario.file.string() + ": " + field + ": no NVMe subsystem " +
                            ref.subsystem + " in the fabric",
                        field);
        }
        if (subsystem->find_namespace(ref.nsid) == nullptr) {
            throw Error(ErrorCategory::invalid_properties,
                        scenario.file.string() + ": " + field + ": " + ref.subsystem +
                            " has no namespace " + std::to_string(ref.nsid),
                        field);
        }
    }
}

// NFS, RBD and local volumes name what the fabric has.
bool check_storage_references(const Scenario& scenario, const std::string& name,
                              const VolumeSpec& volume) {
    const auto fail = [&](const std::string& key, const std::string& what) {
        throw Error(ErrorCategory::invalid_properties,
                    scenario.file.string() + ": /volumes/" + name + "/" + key + ": " + what,
                    "/volumes/" + name + "/" + key);
    };
    const auto& fabric = scenario.fabric;
    if (!volume.nfs_export.empty()) {
        for (const auto& share : fabric.nfs_exports) {
            if (share.spec() == volume.nfs_export) {
                if (std::none_of(share.files.begin(), share.files.end(),
                                 [&](const NfsFileSpec& f) { return f.name == volume.nfs_file; })) {
                    fail("file", "the export has no file " + volume.nfs_file);
                }
                return true;
            }
        }
        fail("export", "no NFS export " + volume.nfs_export + " in the fabric");
    }
    if (!volume.rbd_image.empty()) {
        if (!fabric.rbd || std::none_of(fabric.rbd->images.begin(), fabric.rbd->images.end(),
                                        [&](const RbdImageSpec& i) {
                                            return i.pool == volume.rbd_pool &&
                                                   i.image == volume.rbd_image;
                                        })) {
            fail("image", "no RBD image " + volume.rbd_pool + "/" + volume.rbd_image);
        }
        if (fabric.rbd->users.count(volume.rbd_user) == 0) {
            fail("user", "no cephx user " + volume.rbd_user + " in the fabric");
        }
        return true;
    }
    if (!volume.device_path.empty()) {
        if (std::none_of(fabric.local_devices.begin(), fabric.local_devices.end(),
                         [&](const LocalDeviceSpec& d) { return d.path == volume.device_path; }) &&
            volume.device_path.rfind("/dev/", 0) != 0) {
            fail("device_path", "a /dev path");
        }
        return true;
    }
    return false;
}

// What the schema cannot say of a step: a reboot runs alone, not in a
// concurrent step; a sessions check names iSCSI volumes of the scenario, a
// map check one volume and its number of paths.
void check_step(const Scenario& scenario, const Step& step, const std::string& where, bool nested) {
    const auto fail = [&](const std::string& field, const std::string& what) {
        throw Error(ErrorCategory::invalid_properties,
                    scenario.file.string() + ": " + where + field + ": " + what, where + field);
    };
    if (step.op == "reboot" && nested) {
        fail("", "a reboot cannot run in a concurrent step");
    }
    for (std::size_t i = 0; i < step.concurrent.size(); ++i) {
        check_step(scenario, step.concurrent[i], where + "/concurrent/" + std::to_string(i), true);
    }
    if (step.op == "check" && step.subject == "map") {
        const auto volume = step.params.value("volume", std::string());
        if (!scenario.volumes.contains(volume)) {
            fail("/params/volume", "a volume of the scenario");
        }
        if (!step.params.contains("paths") || !step.params.at("paths").is_number_unsigned()) {
            fail("/params/paths", "how many paths the volume's map has (a number)");
        }
        return;
    }
    if (step.op != "check" || step.subject != "sessions") {
        return;
    }
    if (!step.params.is_object() || step.params.empty()) {
        fail("/params", "logged_in, logged_out or unscanned, each a list of volumes");
    }
    for (const auto& [key, names] : step.params.items()) {
        if (key != "logged_in" && key != "logged_out" && key != "unscanned") {
            fail("/params/" + key, "unknown (logged_in, logged_out or unscanned)");
        }
        if (!names.is_array()) {
            fail("/params/" + key, "a list of volumes");
        }
        for (const auto& name : names) {
            const auto volume = name.is_string() ? scenario.volumes.find(name.get<std::string>())
                                                 : scenario.volumes.end();
            if (volume == scenario.volumes.end() ||
                scenario.fabric.find_iscsi_target(volume->second.target) == nullptr) {
                fail("/params/" + key, "no iSCSI volume " + name.dump());
            }
        }
    }
}

void check_references(const Scenario& scenario) {
    for (std::size_t i = 0; i < scenario.steps.size(); ++i) {
        check_step(scenario, scenario.steps[i], "/steps/" + std::to_string(i), false);
    }
    for (const auto& [name, volume] : scenario.volumes) {
        if (!volume.nvme_namespaces().empty()) {
            check_nvme_references(scenario, name, volume);
            continue;
        }
        if (check_storage_references(scenario, name, volume)) {
            continue;
        }
        const auto field = "/volumes/" + name;
        if (!volume.fc_target.empty()) {
            if (scenario.fabric.fc.find_target(volume.fc_target) == nullptr) {
                throw Error(ErrorCategory::invalid_properties,
                            scenario.file.string() + ": " + field + "/fc_target: no FC target " +
                                volume.fc_target + " in the fabric",
                            field + "/fc_target");
            }
            if (scenario.lun_of(name) == nullptr) {
                throw Error(ErrorCategory::invalid_properties,
                            scenario.file.string() + ": " + field +
                                "/lun: the FC target has no LUN " + std::to_string(volume.lun),
                            field + "/lun");
            }
            continue;
        }
        const auto* target = scenario.fabric.find_iscsi_target(volume.target);
        if (target == nullptr) {
            throw Error(ErrorCategory::invalid_properties,
                        scenario.file.string() + ": " + field + "/target: no target " +
                            volume.target + " in the fabric",
                        field + "/target");
        }
        const auto lun = volume.lun;  // a structured binding: clang 14 cannot capture it
        if (std::none_of(target->luns.begin(), target->luns.end(),
                         [lun](const LunSpec& l) { return l.lun == lun; })) {
            throw Error(ErrorCategory::invalid_properties,
                        scenario.file.string() + ": " + field + "/lun: the target has no LUN " +
                            std::to_string(volume.lun),
                        field + "/lun");
        }
    }
    // Every volume's generated connection properties are valid (the extra
    // keys a scenario merges in may break them on purpose; those are left out).
    const auto protocol = parse_protocol(scenario.protocol);
    for (const auto& [name, volume] : scenario.volumes) {
        try {
            parse_any_properties(*protocol, scenario.connection_info(name, false));
        } catch (const Error& e) {
            const auto field = "/volumes/" + name;
            throw Error(ErrorCategory::invalid_properties,
                        scenario.file.string() + ": " + field +
                            ": the fabric gives this volume invalid connection properties (" +
                            e.message() + ")",
                        field);
        }
    }
    std::function<void(const std::vector<Step>&)> walk = [&](const std::vector<Step>& steps) {
        for (const auto& step : steps) {
            const bool names_volume = step.op == "connect" || step.op == "disconnect" ||
                                      step.op == "write" || step.op == "verify" ||
                                      step.op == "extend";
            if (names_volume && scenario.volumes.count(step.subject) == 0) {
                throw Error(
                    ErrorCategory::invalid_properties,
                    scenario.file.string() + ": step " + step.op + ": no volume " + step.subject,
                    "/steps");
            }
            walk(step.concurrent);
        }
    };
    walk(scenario.steps);
}

}  // namespace

// nvmet's attr_serial for a subsystem without one: 16 hex digits of the NQN's FNV-1a hash.
std::string nvme_serial(const std::string& nqn) {
    std::uint64_t hash = 1469598103934665603ULL;
    for (const char c : nqn) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    static const char* digits = "0123456789abcdef";
    std::string serial;
    for (int i = 0; i < 16; ++i) {
        serial += digits[(hash >> (60 - 4 * i)) & 0xfU];
    }
    return serial;
}

std::string LunSpec::scsi_id() const {
    return "36001405" + serial.substr(0, 25);
}

const NvmeNamespaceSpec* NvmeSubsystemSpec::find_namespace(std::uint32_t nsid) const {
    for (const auto& ns : namespaces) {
        if (ns.nsid == nsid) {
            return &ns;
        }
    }
    return nullptr;
}

const NvmeSubsystemSpec* Fabric::find_nvme_subsystem(const std::string& nqn) const {
    for (const auto& subsystem : nvme_subsystems) {
        if (subsystem.nqn == nqn) {
            return &subsystem;
        }
    }
    return nullptr;
}

bool Fabric::uses_rdma() const {
    return std::any_of(nvme_subsystems.begin(), nvme_subsystems.end(), [](const auto& subsystem) {
        return std::any_of(subsystem.ports.begin(), subsystem.ports.end(),
                           [](const auto& port) { return port.transport == "rdma"; });
    });
}

std::vector<NvmeVolumeRef> VolumeSpec::nvme_namespaces() const {
    if (!replicas.empty()) {
        return replicas;
    }
    return nvme ? std::vector<NvmeVolumeRef>{*nvme} : std::vector<NvmeVolumeRef>{};
}

namespace {

// [address, port, transport] as Cinder's new format has it; rdma is spelled
// RoCEv2 as Cinder's nvmet target writes it.
nlohmann::json nvme_portals(const NvmeSubsystemSpec& subsystem, const VolumeSpec& volume) {
    nlohmann::json portals = nlohmann::json::array();
    for (const auto& port : subsystem.ports) {
        const bool named = volume.portals.empty() ||
                           std::find(volume.portals.begin(), volume.portals.end(), port.portal) !=
                               volume.portals.end();
        if (!named) {
            continue;
        }
        portals.push_back({port.portal.host, port.portal.port,
                           port.transport == "rdma" ? "RoCEv2" : port.transport});
        if (!volume.multipath && volume.portals.empty()) {
            break;
        }
    }
    return portals;
}

nlohmann::json nvme_target(const Fabric& fabric, const NvmeVolumeRef& ref,
                           const VolumeSpec& volume) {
    const auto& subsystem = *fabric.find_nvme_subsystem(ref.subsystem);
    const auto& ns = *subsystem.find_namespace(ref.nsid);
    nlohmann::json data{{"target_nqn", subsystem.nqn},
                        {"portals", nvme_portals(subsystem, volume)}};
    if (!ns.uuid.empty()) {
        data["vol_uuid"] = ns.uuid;
    }
    if (!ns.nguid.empty()) {
        data["volume_nguid"] = ns.nguid;
    }
    data["ns_id"] = std::to_string(ns.nsid);
    return data;
}

// A stable UUID for a volume name (the top-level vol_uuid of a replicated volume).
std::string name_uuid(const std::string& name) {
    std::uint64_t hash = 1469598103934665603ULL;
    for (const char c : name) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    std::array<char, 40> text{};
    std::snprintf(text.data(), text.size(), "6b72696b-%04llx-4%03llx-8%03llx-%012llx",
                  static_cast<unsigned long long>(hash >> 48U),
                  static_cast<unsigned long long>((hash >> 36U) & 0xfffU),
                  static_cast<unsigned long long>((hash >> 24U) & 0xfffU),
                  static_cast<unsigned long long>(hash & 0xffffffffffffULL));
    return text.data();
}

nlohmann::json nvme_connection_data(const Fabric& fabric, const std::string& name,
                                    const VolumeSpec& volume) {
    if (!volume.replicas.empty()) {
        nlohmann::json replicas = nlohmann::json::array();
        for (const auto& ref : volume.replicas) {
            replicas.push_back(nvme_target(fabric, ref, volume));
        }
        return {{"vol_uuid", name_uuid(name)},
                {"alias", name},
                {"replica_count", volume.replicas.size()},
                {"volume_replicas", replicas}};
    }
    auto data = nvme_target(fabric, *volume.nvme, volume);
    if (volume.format == "old") {
        // Cinder's nvmeof_conn_info_version 1: one portal, no vol_uuid.
        if (data["portals"].empty()) {
            throw Error(ErrorCategory::invalid_properties,
                        "/volumes/" + name + "/portals: none of them is a port of " +
                            volume.nvme->subsystem,
                        "/volumes/" + name + "/portals");
        }
        const auto& portal = data["portals"].at(0);
        nlohmann::json old{{"nqn", data["target_nqn"]},
                           {"target_portal", portal[0]},
                           {"target_port", portal[1]},
                           {"transport_type", portal[2] == "RoCEv2" ? "rdma" : portal[2]},
                           {"ns_id", data["ns_id"]}};
        if (data.contains("volume_nguid")) {
            old["volume_nguid"] = data["volume_nguid"];
        }
        return old;
    }
    return data;
}

}  // namespace

const IscsiTargetSpec* Fabric::find_iscsi_target(const std::string& iqn) const {
    for (const auto& target : iscsi_targets) {
        if (target.iqn == iqn) {
            return &target;
        }
    }
    return nullptr;
}

const FcTargetSpec* FcFabricSpec::find_target(const std::string& wwnn) const {
    for (const auto& target : targets) {
        if (target.wwnn == wwnn) {
            return &target;
        }
    }
    return nullptr;
}

const LunSpec* Scenario::lun_of(const std::string& volume_name) const {
    const auto& volume = volumes.at(volume_name);
    const std::vector<LunSpec>* luns = nullptr;
    if (!volume.fc_target.empty()) {
        if (const auto* target = fabric.fc.find_target(volume.fc_target)) {
            luns = &target->luns;
        }
    } else if (const auto* target = fabric.find_iscsi_target(volume.target)) {
        luns = &target->luns;
    }
    if (luns == nullptr) {
        return nullptr;
    }
    for (const auto& lun : *luns) {
        if (lun.lun == volume.lun) {
            return &lun;
        }
    }
    return nullptr;
}

std::string Scenario::target_of(const std::string& volume_name) const {
    const auto& volume = volumes.at(volume_name);
    return volume.fc_target.empty() ? volume.target : volume.fc_target;
}

namespace {

// The properties of Cinder's FC drivers: the target ports and the LUN, in
// one of the shapes they send.
nlohmann::json fc_connection_data(const Fabric& fabric, const VolumeSpec& volume) {
    const auto& target = *fabric.fc.find_target(volume.fc_target);
    nlohmann::json data{{"target_discovered", false}};
    if (volume.format == "target_wwn") {
        data["target_wwn"] = target.ports.front();
        data["target_lun"] = volume.lun;
    } else if (volume.format == "target_wwns") {
        data["target_wwns"] = target.ports;
        data["target_luns"] = std::vector<std::uint64_t>(target.ports.size(), volume.lun);
    } else {
        // A driver without a fabric lookup service maps every initiator port
        // to every target port; the zoning decides which pairs meet.
        data["target_wwn"] = target.ports;
        data["target_lun"] = volume.lun;
        nlohmann::json map = nlohmann::json::object();
        for (const auto& hba : fabric.fc.hbas) {
            map[hba.wwpn] = target.ports;
        }
        data["initiator_target_map"] = map;
    }
    return data;
}

nlohmann::json storage_connection_data(const Fabric& fabric, const VolumeSpec& volume) {
    if (!volume.nfs_export.empty()) {
        return {{"export", volume.nfs_export}, {"name", volume.nfs_file}};
    }
    if (!volume.rbd_image.empty()) {
        nlohmann::json hosts = nlohmann::json::array();
        nlohmann::json ports = nlohmann::json::array();
        for (const auto& monitor : fabric.rbd->monitors) {
            hosts.push_back(monitor.host);
            ports.push_back(std::to_string(monitor.port));
        }
        return {{"name", volume.rbd_pool + "/" + volume.rbd_image},
                {"hosts", hosts},
                {"ports", ports},
                {"cluster_name", "ceph"},
                {"auth_enabled", true},
                {"auth_username", volume.rbd_user},
                {"keyring", "[client." + volume.rbd_user +
                                "]\n\tkey = " + fabric.rbd->users.at(volume.rbd_user) + "\n"},
                {"do_local_attach", true}};
    }
    return {{"device_path", volume.device_path}};
}

}  // namespace

nlohmann::json Scenario::connection_info(const std::string& volume_name,
                                         bool with_extra_properties) const {
    const auto& volume = volumes.at(volume_name);
    if (!volume.fc_target.empty()) {
        auto data = fc_connection_data(fabric, volume);
        data["access_mode"] = "rw";
        data["encrypted"] = volume.encrypted;
        data.update(volume.extra_properties);
        return nlohmann::json{{"driver_volume_type", protocol}, {"data", data}};
    }
    if (!volume.nfs_export.empty() || !volume.rbd_image.empty() || !volume.device_path.empty()) {
        auto data = storage_connection_data(fabric, volume);
        data["volume_id"] = volume_name;
        data["access_mode"] = "rw";
        data["encrypted"] = volume.encrypted;
        if (with_extra_properties) {
            data.update(volume.extra_properties);
        }
        return nlohmann::json{{"driver_volume_type", protocol}, {"data", data}};
    }
    if (!volume.nvme_namespaces().empty()) {
        auto data = nvme_connection_data(fabric, volume_name, volume);
        data["access_mode"] = "rw";
        data["encrypted"] = volume.encrypted;
        if (with_extra_properties) {
            data.update(volume.extra_properties);
        }
        return nlohmann::json{{"driver_volume_type", protocol}, {"data", data}};
    }
    const auto& target = *fabric.find_iscsi_target(volume.target);
    auto portals = volume.portals;
    if (portals.empty()) {
        portals = volume.multipath ? target.portals : std::vector<Portal>{target.portals.front()};
    }
    nlohmann::json data = nlohmann::json::object();
    data["target_portal"] = portals.front().to_string();
    data["target_iqn"] = target.iqn;
    data["target_lun"] = volume.lun;
    data["target_discovered"] = false;
    if (portals.size() > 1) {
        data["target_portals"] = nlohmann::json::array();
        data["target_iqns"] = nlohmann::json::array();
        data["target_luns"] = nlohmann::json::array();
        for (const auto& portal : portals) {
            data["target_portals"].push_back(portal.to_string());
            data["target_iqns"].push_back(target.iqn);
            data["target_luns"].push_back(volume.lun);
        }
    }
    if (target.chap) {
        data["auth_method"] = "CHAP";
        data["auth_username"] = target.chap->username;
        data["auth_password"] = target.chap->password;
        if (!target.chap->username_in.empty()) {
            data["auth_username_in"] = target.chap->username_in;
            data["auth_password_in"] = target.chap->password_in;
        }
    }
    if (target.discovery_chap) {
        data["discovery_auth_method"] = "CHAP";
        data["discovery_auth_username"] = target.discovery_chap->username;
        data["discovery_auth_password"] = target.discovery_chap->password;
    }
    data["volume_id"] = volume_name;
    data["access_mode"] = "rw";
    data["encrypted"] = volume.encrypted;
    if (with_extra_properties) {
        data.update(volume.extra_properties);
    }
    return nlohmann::json{{"driver_volume_type", protocol}, {"data", data}};
}

Scenario load_scenario(const fs::path& file) {
    return parse_scenario(read_text_file(file), file);
}

Scenario parse_scenario(std::string_view text, const fs::path& file) {
    return scenario_from_json(parse_json_document(text, file), file);
}

Scenario scenario_from_json(const nlohmann::json& document, const fs::path& file) {
    validate_against_schema(file, document);
    Scenario scenario;
    scenario.file = file;
    try {
        scenario.name = document.at("name");
        scenario.description = document.value("description", "");
        const auto& needs = document.at("requires");
        scenario.protocol = needs.at("protocol");
        scenario.needs_multipathd = needs.value("multipathd", needs.value("multipath", false));
        scenario.faults = needs.value("faults", std::vector<std::string>{});
        scenario.backends = needs.value("backends", std::vector<std::string>{});
        scenario.targets = needs.value("targets", std::vector<std::string>{});
        if (needs.contains("nvme_native_multipath")) {
            scenario.nvme_native_multipath = needs.at("nvme_native_multipath").get<bool>();
        }
        const auto& fabric = document.at("fabric");
        for (const auto& t : fabric.value("iscsi_targets", nlohmann::json::array())) {
            IscsiTargetSpec target;
            target.iqn = t.at("iqn");
            if (t.contains("portal_groups")) {
                for (const auto& group : t.at("portal_groups")) {
                    const auto tag = group.at("tag").get<unsigned>();
                    if (std::find(target.portal_tags.begin(), target.portal_tags.end(), tag) !=
                        target.portal_tags.end()) {
                        throw Error(ErrorCategory::invalid_properties,
                                    file.string() + ": /fabric/iscsi_targets/portal_groups: tag " +
                                        std::to_string(tag) + " twice");
                    }
                    for (const auto& p : group.at("portals")) {
                        target.portals.push_back(
                            portal_of("/fabric/iscsi_targets/portal_groups/portals", p));
                        target.portal_tags.push_back(tag);
                    }
                }
            } else {
                for (const auto& p : t.at("portals")) {
                    target.portals.push_back(portal_of("/fabric/iscsi_targets/portals", p));
                    target.portal_tags.push_back(1);
                }
            }
            target.iser = t.value("iser", false);
            target.chap = chap_of(t, "chap");
            target.discovery_chap = chap_of(t, "discovery_chap");
            target.luns = luns_of(t.at("luns"));
            scenario.fabric.iscsi_targets.push_back(std::move(target));
        }
        for (const auto& s : fabric.value("nvme_subsystems", nlohmann::json::array())) {
            NvmeSubsystemSpec subsystem;
            subsystem.nqn = s.at("nqn");
            subsystem.serial = s.value("serial", "");
            for (const auto& p : s.at("ports")) {
                NvmePortSpec port;
                port.portal = parse_portal("/fabric/nvme_subsystems/ports",
                                           p.at("portal").get<std::string>(), 4420);
                port.transport = p.value("transport", "tcp");
                if (port.portal.host.rfind("10.98.", 0) == 0 && port.transport != "rdma") {
                    throw Error(ErrorCategory::invalid_properties,
                                file.string() + ": /fabric/nvme_subsystems/ports: portal " +
                                    port.portal.to_string() +
                                    " is a Soft-RoCE address: transport must be rdma (a tcp "
                                    "portal is on 127.0.0.0/8 or [::1])",
                                "/fabric/nvme_subsystems/ports");
                }
                subsystem.ports.push_back(port);
            }
            subsystem.allowed_hosts = s.value("allowed_hosts", std::vector<std::string>{});
            subsystem.allow_any_host = !s.contains("allowed_hosts");
            for (const auto& n : s.at("namespaces")) {
                subsystem.namespaces.push_back({n.at("nsid"), n.at("size_mib"), n.value("uuid", ""),
                                                n.value("nguid", ""), n.value("ana_group", 1U)});
            }
            scenario.fabric.nvme_subsystems.push_back(std::move(subsystem));
        }
        if (fabric.contains("fc")) {
            scenario.fabric.fc = fc_fabric_of(fabric.at("fc"));
        }
        for (const auto& e : fabric.value("nfs_exports", nlohmann::json::array())) {
            NfsExportSpec share;
            const auto whole = e.at("export").get<std::string>();
            share.server = whole.substr(0, whole.find(':'));
            share.path = whole.substr(whole.find(':') + 1);
            share.versions = e.value("versions", std::vector<std::string>{});
            for (const auto& f : e.at("files")) {
                share.files.push_back({f.at("name"), f.at("size_mib")});
            }
            scenario.fabric.nfs_exports.push_back(std::move(share));
        }
        if (fabric.contains("rbd")) {
            RbdClusterSpec cluster;
            const auto& r = fabric.at("rbd");
            for (const auto& m : r.at("monitors")) {
                cluster.monitors.push_back(
                    parse_portal("/fabric/rbd/monitors", m.get<std::string>(), 6789));
            }
            for (const auto& [user, key] : r.at("users").items()) {
                register_secret(key.get<std::string>());
                cluster.users[user] = key.get<std::string>();
            }
            for (const auto& i : r.at("images")) {
                cluster.images.push_back({i.at("pool"), i.at("image"), i.at("size_mib")});
            }
            scenario.fabric.rbd = std::move(cluster);
        }
        for (const auto& d : fabric.value("local_devices", nlohmann::json::array())) {
            scenario.fabric.local_devices.push_back({d.at("path"), d.at("size_mib")});
        }
        for (const auto& [name, v] : document.at("volumes").items()) {
            VolumeSpec volume;
            volume.name = name;
            volume.target = v.value("target", "");
            volume.fc_target = lower(v.value("fc_target", ""));
            volume.lun = v.value("lun", std::uint64_t{0});
            if (v.contains("subsystem")) {
                volume.nvme = NvmeVolumeRef{v.at("subsystem"), v.value("nsid", 1U)};
            }
            volume.format =
                v.value("format", volume.fc_target.empty() ? "new" : "initiator_target_map");
            for (const auto& r : v.value("replicas", nlohmann::json::array())) {
                volume.replicas.push_back(NvmeVolumeRef{r.at("subsystem"), r.value("nsid", 1U)});
            }
            volume.multipath = v.value("multipath", false);
            volume.enforce_multipath = v.value("enforce_multipath", false);
            for (const auto& p : v.value("portals", nlohmann::json::array())) {
                volume.portals.push_back(portal_of("/volumes/" + name + "/portals", p));
            }
            volume.extra_properties = v.value("properties", nlohmann::json::object());
            volume.nfs_export = v.value("export", "");
            volume.nfs_file = v.value("file", "");
            volume.rbd_pool = v.value("pool", "");
            volume.rbd_image = v.value("image", "");
            volume.rbd_user = v.value("user", "");
            if (volume.rbd_user.empty() && scenario.fabric.rbd &&
                !scenario.fabric.rbd->users.empty()) {
                volume.rbd_user = scenario.fabric.rbd->users.begin()->first;
            }
            volume.device_path = v.value("device_path", "");
            volume.encrypted = v.value("encrypted", false);
            if (v.contains("passphrase")) {
                volume.passphrase = v.at("passphrase").get<std::string>();
                register_secret(*volume.passphrase);
            }
            volume.luks_format = v.value("luks_format", "luks");
            volume.luks_iter_time_ms = v.value("luks_iter_time_ms", std::int64_t{0});
            scenario.volumes.emplace(name, std::move(volume));
        }
        for (const auto& s : document.at("steps")) {
            scenario.steps.push_back(step_of(s));
        }
        if (document.contains("limits")) {
            scenario.virtual_ms_limit =
                document["limits"].value("virtual_ms", scenario.virtual_ms_limit);
            scenario.wall_seconds_limit =
                document["limits"].value("wall_seconds", scenario.wall_seconds_limit);
        }
    } catch (const nlohmann::json::exception& e) {
        throw Error(ErrorCategory::invalid_properties, file.string() + ": " + e.what(),
                    file.string());
    }
    check_references(scenario);
    return scenario;
}

std::vector<fs::path> find_scenarios(const std::vector<std::string>& paths) {
    std::vector<fs::path> files;
    for (const auto& path : paths) {
        if (fs::is_directory(path)) {
            for (const auto& entry : fs::recursive_directory_iterator(path)) {
                if (entry.is_regular_file() && entry.path().extension() == ".json" &&
                    entry.path().parent_path().filename() != "schema") {
                    files.push_back(entry.path());
                }
            }
        } else {
            files.emplace_back(path);
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

fs::path scenario_root() {
    if (const char* env = std::getenv("BRICK_SCENARIOS"); env != nullptr && *env != '\0') {
        return env;
    }
    if (fs::exists(fs::path(BRICK_SCENARIO_DIR) / "schema")) {
        return BRICK_SCENARIO_DIR;
    }
    return BRICK_INSTALLED_SCENARIO_DIR;
}

}  // namespace brick::lab
