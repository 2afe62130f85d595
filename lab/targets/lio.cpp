#include "lio.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "brick/core/error.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

constexpr Duration targetcli_timeout{120000};
constexpr Duration tool_timeout{30000};
// The files under the loop devices of growable LUNs (tmpfs in a guest).
constexpr const char* growable_dir = "/run/brick-lab/lio";

std::string backstore_name(const LunSpec& lun) {
    return "bw" + lun.serial.substr(0, 12);
}

nlohmann::json chap_keys(const ChapSpec& chap) {
    nlohmann::json out{{"chap_userid", chap.username}, {"chap_password", chap.password}};
    if (!chap.username_in.empty()) {
        out["chap_mutual_userid"] = chap.username_in;
        out["chap_mutual_password"] = chap.password_in;
    }
    return out;
}

}  // namespace

nlohmann::json lio_save_file(const Fabric& fabric, const fs::path& backing_dir,
                             const std::map<std::string, std::string>& block_devices) {
    nlohmann::json storage = nlohmann::json::array();
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& target : fabric.iscsi_targets) {
        nlohmann::json luns = nlohmann::json::array();
        for (const auto& lun : target.luns) {
            const auto device = block_devices.find(lun.serial);
            storage.push_back({{"plugin", "fileio"},
                               {"name", backstore_name(lun)},
                               {"dev", device != block_devices.end()
                                           ? device->second
                                           : (backing_dir / (lun.serial + ".img")).string()},
                               {"size", lun.size_mib * 1024 * 1024},
                               {"write_back", false},
                               {"wwn", lun.serial},
                               {"attributes", {{"emulate_tpu", 1}, {"max_write_same_len", 0}}}});
            luns.push_back({{"index", lun.lun},
                            {"storage_object", "/backstores/fileio/" + backstore_name(lun)}});
        }
        // One TPG per portal group (the scenario's portal_groups, else TPG 1),
        // each with its own portals and every LUN: the same backstores
        // exported through each.
        std::map<unsigned, nlohmann::json> portals_of_tag;
        for (std::size_t i = 0; i < target.portals.size(); ++i) {
            const auto tag = i < target.portal_tags.size() ? target.portal_tags[i] : 1U;
            auto& portals = portals_of_tag[tag];
            if (portals.is_null()) {
                portals = nlohmann::json::array();
            }
            portals.push_back(
                {{"ip_address", target.portals[i].host}, {"port", target.portals[i].port}});
        }
        // The dynamic ACLs of demo mode map every LUN write-protected when
        // the TPG's demo_mode_write_protect is set: the scenario's read-only
        // LUNs (the real backend skips a target mixing them with writable ones).
        const bool write_protect =
            !target.luns.empty() && std::all_of(target.luns.begin(), target.luns.end(),
                                                [](const LunSpec& l) { return l.read_only; });
        nlohmann::json tpgs = nlohmann::json::array();
        for (const auto& [tag, portals] : portals_of_tag) {
            // Demo mode: any initiator may log in, with CHAP at the TPG when configured.
            nlohmann::json tpg{{"tag", tag},
                               {"enable", true},
                               {"attributes",
                                {{"authentication", target.chap ? 1 : 0},
                                 {"generate_node_acls", 1},
                                 {"cache_dynamic_acls", 1},
                                 {"demo_mode_write_protect", write_protect ? 1 : 0}}},
                               {"parameters", {{"AuthMethod", target.chap ? "CHAP" : "CHAP,None"}}},
                               {"luns", luns},
                               {"portals", portals},
                               {"node_acls", nlohmann::json::array()}};
            if (target.chap) {
                tpg.update(chap_keys(*target.chap));
            }
            tpgs.push_back(tpg);
        }
        nlohmann::json entry{{"fabric", "iscsi"}, {"wwn", target.iqn}, {"tpgs", tpgs}};
        targets.push_back(entry);
    }
    nlohmann::json modules = nlohmann::json::array();
    for (const auto& target : fabric.iscsi_targets) {
        if (target.discovery_chap) {
            modules.push_back({{"name", "iscsi"},
                               {"discovery_enable_auth", true},
                               {"discovery_userid", target.discovery_chap->username},
                               {"discovery_password", target.discovery_chap->password}});
            break;
        }
    }
    return {{"fabric_modules", modules}, {"storage_objects", storage}, {"targets", targets}};
}

LioTarget::LioTarget(Host& host, fs::path work_dir) : host_(host), work_dir_(std::move(work_dir)) {}

void LioTarget::targetcli(std::vector<std::string> args) {
    args.insert(args.begin(), "targetcli");
    const auto result = host_.run(Command{args, {}, targetcli_timeout});
    if (!result.ok()) {
        std::string line;
        for (const auto& a : args) {
            line += (line.empty() ? "" : " ") + a;
        }
        throw Error(ErrorCategory::command_failed, line + " failed (exit " +
                                                       std::to_string(result.exit_status) +
                                                       "): " + result.out + result.err);
    }
}

void LioTarget::run(const std::vector<std::string>& argv) {
    const auto result = host_.run(Command{argv, {}, tool_timeout});
    if (!result.ok()) {
        throw Error(ErrorCategory::command_failed,
                    argv.front() + " " + argv.at(1) + " failed (exit " +
                        std::to_string(result.exit_status) + "): " + result.out + result.err);
    }
}

void LioTarget::configure(const Fabric& fabric, const std::set<LioLun>& growable) {
    const auto backing = work_dir_ / "luns";
    fs::create_directories(backing);
    std::map<std::string, std::string> block_devices;
    for (const auto& target : fabric.iscsi_targets) {
        for (const auto& lun : target.luns) {
            const bool grows = growable.contains({target.iqn, lun.lun});
            // A loop device's file on tmpfs: the job's share may not take one.
            const auto file = (grows ? fs::path(growable_dir) : backing) / (lun.serial + ".img");
            fs::create_directories(file.parent_path());
            std::ofstream(file, std::ios::binary | std::ios::trunc).close();
            fs::resize_file(file, lun.size_mib * 1024 * 1024);
            if (!grows) {
                continue;
            }
            const auto loop = host_.run(
                Command{{"losetup", "--find", "--show", file.string()}, {}, tool_timeout});
            if (!loop.ok()) {
                throw Error(
                    ErrorCategory::command_failed,
                    "losetup --find --show " + file.string() + " failed: " + loop.out + loop.err);
            }
            const auto device = loop.out.substr(0, loop.out.find('\n'));
            loops_[{target.iqn, lun.lun}] = {file, device};
            block_devices[lun.serial] = device;
        }
    }
    const auto save_file = work_dir_ / "lio.json";
    std::ofstream(save_file) << lio_save_file(fabric, backing, block_devices).dump(2);
    fs::permissions(save_file, fs::perms::owner_read | fs::perms::owner_write);
    targetcli({"restoreconfig", "savefile=" + save_file.string(), "clear_existing=true"});
    portal_tags_.clear();
    for (const auto& target : fabric.iscsi_targets) {
        for (std::size_t i = 0; i < target.portals.size(); ++i) {
            portal_tags_[{target.iqn, target.portals[i].to_string()}] =
                i < target.portal_tags.size() ? target.portal_tags[i] : 1U;
        }
    }
    fs::remove(save_file);  // it holds CHAP secrets
}

void LioTarget::clear() {
    targetcli({"clearconfig", "confirm=True"});
    // LIO let go of the loop devices with their backstores.
    for (const auto& [lun, loop] : loops_) {
        host_.run(Command{{"losetup", "-d", loop.device}, {}, tool_timeout});
    }
    loops_.clear();
    std::error_code ec;
    fs::remove_all(work_dir_ / "luns", ec);
    fs::remove_all(growable_dir, ec);
}

void LioTarget::resize_lun(const std::string& iqn, std::uint64_t lun, std::uint64_t size_mib) {
    const auto loop = loops_.find({iqn, lun});
    if (loop == loops_.end()) {
        throw Error(ErrorCategory::not_supported,
                    "LUN " + std::to_string(lun) + " of " + iqn +
                        " was not configured growable (no extend step names it)");
    }
    std::error_code ec;
    fs::resize_file(loop->second.file, size_mib * 1024 * 1024, ec);
    if (ec) {
        throw Error(ErrorCategory::host_error,
                    "growing " + loop->second.file.string() + ": " + ec.message());
    }
    run({"losetup", "-c", loop->second.device});
}

std::string LioTarget::tpg_path(const std::string& iqn, const Portal& portal) const {
    const auto tag = portal_tags_.find({iqn, portal.to_string()});
    return "/iscsi/" + iqn + "/tpg" + std::to_string(tag == portal_tags_.end() ? 1U : tag->second);
}

void LioTarget::remap_lun(const std::string& iqn, std::uint64_t lun, std::uint64_t size_bytes,
                          const std::string& serial) {
    const auto file = work_dir_ / "luns" / (serial + ".img");
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    std::ofstream(file).close();
    fs::resize_file(file, size_bytes, ec);
    if (ec) {
        throw Error(ErrorCategory::host_error, "creating " + file.string() + ": " + ec.message());
    }
    const auto name = "bw" + serial.substr(0, 12);
    targetcli({"/backstores/fileio", "create", "name=" + name, "file_or_dev=" + file.string(),
               "size=" + std::to_string(size_bytes), "write_back=false", "wwn=" + serial});
    unmap_lun(iqn, lun);
    for (const auto tag : tags_of(iqn)) {
        targetcli({"/iscsi/" + iqn + "/tpg" + std::to_string(tag) + "/luns", "create",
                   "storage_object=/backstores/fileio/" + name, "lun=" + std::to_string(lun)});
    }
}

std::set<unsigned> LioTarget::tags_of(const std::string& iqn) const {
    std::set<unsigned> tags;
    for (const auto& [key, tag] : portal_tags_) {
        if (key.first == iqn) {
            tags.insert(tag);
        }
    }
    if (tags.empty()) {
        tags.insert(1);
    }
    return tags;
}

void LioTarget::unmap_lun(const std::string& iqn, std::uint64_t lun) {
    for (const auto tag : tags_of(iqn)) {
        targetcli({"/iscsi/" + iqn + "/tpg" + std::to_string(tag) + "/luns", "delete",
                   "lun=" + std::to_string(lun)});
    }
}

// The network portal's folder in LIO's configfs: removing it takes the
// portal off (the target stops listening there), making it brings the portal
// back. Each takes milliseconds, where a targetcli run takes seconds in a
// guest under TCG: a portal that comes back "6 s later" must come back then.
std::string LioTarget::portal_dir(const std::string& iqn, const Portal& portal) const {
    const auto tag = portal_tags_.find({iqn, portal.to_string()});
    return "/sys/kernel/config/target/iscsi/" + iqn + "/tpgt_" +
           std::to_string(tag == portal_tags_.end() ? 1U : tag->second) + "/np/" +
           portal.to_string();
}

void LioTarget::remove_portal(const std::string& iqn, const Portal& portal) {
    std::error_code ec;
    if (!fs::remove(portal_dir(iqn, portal), ec)) {
        targetcli({tpg_path(iqn, portal) + "/portals", "delete", "ip_address=" + portal.host,
                   "ip_port=" + std::to_string(portal.port)});
    }
}

void LioTarget::add_portal(const std::string& iqn, const Portal& portal) {
    std::error_code ec;
    if (!fs::create_directory(portal_dir(iqn, portal), ec)) {
        targetcli({tpg_path(iqn, portal) + "/portals", "create", "ip_address=" + portal.host,
                   "ip_port=" + std::to_string(portal.port)});
    }
}

}  // namespace brick::lab
