// The "nfs", "rbd" and "local" sections of a fabric file:
//
//   "nfs":   {"exports": [{"export": "127.0.0.1:/srv/nfs", "versions": ["3", "4.1"],
//                          "files": [{"name": "volume-1", "size": 67108864, "volume": "v1"}]}]}
//   "rbd":   {"monitors": ["127.0.0.1:6789"], "users": {"cinder": "AQB...=="},
//             "images": [{"pool": "volumes", "image": "volume-1", "size": ..., "volume": "r1"}]}
//   "local": {"devices": [{"path": "/dev/cinder-volumes/volume-1", "size": ..., "volume": "l1"}]}

#include "brick/core/secrets.hpp"
#include "sim/model/fabric.hpp"

namespace brick::sim {
namespace {

using json = nlohmann::json;

std::string text(const json& object, const std::string& pointer, const char* key) {
    if (!object.contains(key) || !object[key].is_string() ||
        object[key].get<std::string>().empty()) {
        throw FabricError(pointer + "/" + key, "required, a non-empty string");
    }
    return object[key].get<std::string>();
}

const json& list(const json& object, const std::string& pointer, const char* key) {
    static const json empty = json::array();
    if (!object.contains(key)) {
        return empty;
    }
    if (!object[key].is_array()) {
        throw FabricError(pointer + "/" + key, "expected an array");
    }
    return object[key];
}

// {"size": bytes, "volume": id}: a volume added to the fabric.
std::string add_volume(Fabric& fabric, const json& spec, const std::string& pointer,
                       const std::string& default_id) {
    Volume volume;
    volume.id = spec.contains("volume") ? text(spec, pointer, "volume") : default_id;
    if (!spec.contains("size") || !spec["size"].is_number_unsigned() ||
        spec["size"].get<std::uint64_t>() == 0 || spec["size"].get<std::uint64_t>() % 512 != 0) {
        throw FabricError(pointer + "/size", "required, a positive multiple of 512 bytes");
    }
    volume.size_bytes = spec["size"].get<std::uint64_t>();
    if (fabric.volumes.contains(volume.id)) {
        throw FabricError(pointer + "/volume", "duplicate volume " + volume.id);
    }
    fabric.volumes.emplace(volume.id, volume);
    return volume.id;
}

Portal monitor_of(const json& value, const std::string& pointer) {
    if (!value.is_string()) {
        throw FabricError(pointer, "expected \"address:port\"");
    }
    const auto textual = value.get<std::string>();
    const auto colon = textual.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        throw FabricError(pointer, "expected \"address:port\"");
    }
    return Portal{textual.substr(0, colon),
                  static_cast<std::uint16_t>(std::stoul(textual.substr(colon + 1)))};
}

void parse_nfs(const json& section, Fabric& fabric) {
    only_keys(section, "/nfs", {"exports"});
    const auto& exports = list(section, "/nfs", "exports");
    for (std::size_t i = 0; i < exports.size(); ++i) {
        const auto pointer = "/nfs/exports/" + std::to_string(i);
        const auto& spec = exports[i];
        only_keys(spec, pointer, {"export", "versions", "files"});
        const auto whole = text(spec, pointer, "export");
        const auto colon = whole.find(":/");
        if (colon == std::string::npos || colon == 0) {
            throw FabricError(pointer + "/export", "expected \"server:/path\"");
        }
        NfsExport share;
        share.server = whole.substr(0, colon);
        share.path = whole.substr(colon + 1);
        if (spec.contains("versions")) {
            share.versions.clear();
            for (const auto& v : list(spec, pointer, "versions")) {
                const auto version = v.is_string() ? v.get<std::string>() : std::string();
                if (version != "3" && version != "4.0" && version != "4.1" && version != "4.2") {
                    throw FabricError(pointer + "/versions", "each one of 3, 4.0, 4.1, 4.2");
                }
                share.versions.push_back(version);
            }
        }
        const auto& files = list(spec, pointer, "files");
        for (std::size_t f = 0; f < files.size(); ++f) {
            const auto file_pointer = pointer + "/files/" + std::to_string(f);
            only_keys(files[f], file_pointer, {"name", "size", "volume"});
            const auto name = text(files[f], file_pointer, "name");
            share.files[name] = add_volume(fabric, files[f], file_pointer,
                                           std::string(whole).append("/").append(name));
        }
        fabric.nfs_exports.push_back(std::move(share));
    }
}

void parse_rbd(const json& section, Fabric& fabric) {
    only_keys(section, "/rbd", {"monitors", "users", "images", "fsid"});
    RbdCluster cluster;
    const auto& monitors = list(section, "/rbd", "monitors");
    for (std::size_t i = 0; i < monitors.size(); ++i) {
        cluster.monitors.push_back(monitor_of(monitors[i], "/rbd/monitors/" + std::to_string(i)));
    }
    if (section.contains("users") && !section["users"].is_object()) {
        throw FabricError("/rbd/users", "expected an object of cephx user -> key");
    }
    const auto users = section.value("users", json::object());
    for (const auto& [user, key] : users.items()) {
        if (!key.is_string()) {
            throw FabricError("/rbd/users/" + user, "expected the cephx key as a string");
        }
        register_secret(key.get<std::string>());
        cluster.users[user] = key.get<std::string>();
    }
    if (section.contains("fsid")) {
        cluster.fsid = text(section, "/rbd", "fsid");
    }
    const auto& images = list(section, "/rbd", "images");
    for (std::size_t i = 0; i < images.size(); ++i) {
        const auto pointer = "/rbd/images/" + std::to_string(i);
        only_keys(images[i], pointer, {"pool", "image", "size", "volume"});
        RbdImage image{text(images[i], pointer, "pool"), text(images[i], pointer, "image"), {}};
        image.volume_id =
            add_volume(fabric, images[i], pointer, "rbd:" + image.pool + "/" + image.image);
        cluster.images.push_back(std::move(image));
    }
    fabric.rbd = std::move(cluster);
}

void parse_local(const json& section, Fabric& fabric) {
    only_keys(section, "/local", {"devices"});
    const auto& devices = list(section, "/local", "devices");
    for (std::size_t i = 0; i < devices.size(); ++i) {
        const auto pointer = "/local/devices/" + std::to_string(i);
        only_keys(devices[i], pointer, {"path", "size", "volume"});
        const auto path = text(devices[i], pointer, "path");
        const auto slash = path.rfind('/');
        if (path.rfind("/dev/", 0) != 0 || slash <= 5 || slash + 1 == path.size() ||
            path.find('/', 5) != slash) {
            throw FabricError(pointer + "/path", "expected /dev/<volume group>/<logical volume>");
        }
        LocalDevice device{path.substr(5, slash - 5), path.substr(slash + 1), {}};
        device.volume_id = add_volume(fabric, devices[i], pointer, "local:" + path);
        fabric.local_devices.push_back(std::move(device));
    }
}

}  // namespace

void parse_storage_sections(const json* nfs, const json* rbd, const json* local, Fabric& fabric) {
    if (nfs != nullptr) {
        parse_nfs(*nfs, fabric);
    }
    if (rbd != nullptr) {
        parse_rbd(*rbd, fabric);
    }
    if (local != nullptr) {
        parse_local(*local, fabric);
    }
}

}  // namespace brick::sim
