// NFS mounts, kernel RBD mappings, LVM logical volumes and dm-crypt mappings:
// what mount.nfs, umount, rbd and cryptsetup do to the host, and block I/O
// through rbd, LVM and dm-crypt devices.
//
// dm-crypt is modelled with a LUKS header kept with the volume (target side,
// like an md superblock): version, UUID, the passphrase's digest and a master
// key. Data under the mapping is stored XORed with a keystream of the master
// key and the offset, so the volume never holds the plaintext and a wrong key
// reads garbage.
#include <array>
#include <cerrno>
#include <cstdio>

#include "sim/model/model.hpp"

namespace brick::sim {
namespace {

constexpr std::uint64_t block_size = 512;
constexpr unsigned mount_ms = 30;
constexpr unsigned rbd_map_ms = 120;
constexpr unsigned hung_ms = 300000;  // mount.nfs retry / rbd client_mount_timeout

std::uint64_t digest(const std::string& text) {
    std::uint64_t hash = 1469598103934665603ULL;
    for (const char c : text) {
        hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    return hash;
}

std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27U)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31U);
}

// The byte of the keystream at an offset of the mapping.
char keystream(std::uint64_t key, std::uint64_t offset) {
    const auto word = mix(key ^ mix(offset / 8));
    return static_cast<char>((word >> ((offset % 8) * 8)) & 0xffU);
}

std::string transform(std::uint64_t key, std::uint64_t offset, std::string data) {
    for (std::size_t i = 0; i < data.size(); ++i) {
        data[i] = static_cast<char>(data[i] ^ keystream(key, offset + i));
    }
    return data;
}

std::string hex(std::uint64_t value, int digits) {
    std::array<char, 20> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%016llx", static_cast<unsigned long long>(value));
    return std::string(buffer.data()).substr(16 - static_cast<std::size_t>(digits));
}

std::string dm_escape(const std::string& name) {
    std::string out;
    for (const char c : name) {
        out += c;
        if (c == '-') {
            out += '-';
        }
    }
    return out;
}

// The value of option name in a comma-separated list ("" when absent, "1" for a flag).
std::optional<std::string> option_value(const std::string& options, const std::string& name) {
    std::optional<std::string> found;
    std::size_t start = 0;
    while (start <= options.size()) {
        auto end = options.find(',', start);
        if (end == std::string::npos) {
            end = options.size();
        }
        const auto item = options.substr(start, end - start);
        const auto equals = item.find('=');
        if (item.substr(0, equals) == name) {
            found = equals == std::string::npos ? std::string("1") : item.substr(equals + 1);
        }
        start = end + 1;
    }
    return found;
}

// Reads length bytes at offset: dirty blocks first, the rest from fetch(block index).
std::string read_cached(const std::map<std::uint64_t, std::string>& dirty, std::uint64_t offset,
                        std::size_t length,
                        const std::function<std::string(std::uint64_t)>& fetch) {
    std::string out;
    out.reserve(length);
    for (std::uint64_t pos = offset; pos < offset + length;) {
        const auto index = pos / block_size;
        const auto it = dirty.find(index);
        const auto data = it != dirty.end() ? it->second : fetch(index);
        const auto within = pos % block_size;
        const auto take = std::min<std::uint64_t>(block_size - within, offset + length - pos);
        out += data.substr(within, take);
        pos += take;
    }
    return out;
}

// The NFS version a mount gets: "3", "4.0", "4.1", "4.2"; empty when the
// server offers none that the options allow.
std::string negotiate(const NfsExport& share, const std::string& options) {
    auto vers = option_value(options, "vers");
    if (!vers) {
        vers = option_value(options, "nfsvers");
    }
    for (const auto* flag : {"v3", "v4", "v4.0", "v4.1", "v4.2"}) {
        if (option_value(options, flag)) {
            vers = std::string(flag).substr(1);
        }
    }
    const auto minor = option_value(options, "minorversion");
    std::vector<std::string> wanted;
    if (!vers) {
        wanted = {"4.2", "4.1", "4.0", "3"};
    } else if (*vers == "3") {
        wanted = {"3"};
    } else if (*vers == "4" && minor) {
        wanted = {"4." + *minor};
    } else if (*vers == "4") {
        wanted = {"4.2", "4.1", "4.0"};
    } else {
        wanted = {*vers};
    }
    for (const auto& version : wanted) {
        if (std::find(share.versions.begin(), share.versions.end(), version) !=
            share.versions.end()) {
            return version;
        }
    }
    return {};
}

}  // namespace

std::string LogicalVolume::dm_name() const {
    return dm_escape(volume_group) + "-" + dm_escape(logical_volume);
}

std::string CryptMapping::dm_uuid() const {
    std::string plain;
    for (const char c : luks_uuid) {
        if (c != '-') {
            plain += c;
        }
    }
    return "CRYPT-LUKS" + std::to_string(luks_version) + "-" + plain + "-" + name;
}

void Model::add_logical_volumes() {
    for (const auto& device : fabric_.local_devices) {
        LogicalVolume lv;
        lv.dm_index = state_.next_dm++;
        lv.volume_group = device.volume_group;
        lv.logical_volume = device.logical_volume;
        lv.volume_id = device.volume_id;
        lv.uuid = "LVM-" + hex(mix(digest(device.volume_group)), 16) +
                  hex(mix(digest(device.volume_group) + 1), 16) +
                  hex(mix(digest(device.path())), 16) + hex(mix(digest(device.path()) + 1), 16);
        state_.storage.logical_volumes.push_back(std::move(lv));
    }
}

// --- NFS -------------------------------------------------------------------------

int Model::nfs_mount(const std::string& source, const std::string& mount_point,
                     const std::string& options, std::string& err, unsigned& duration_ms) {
    duration_ms += mount_ms;
    const auto colon = source.find(":/");
    const auto server = colon == std::string::npos ? source : source.substr(0, colon);
    const NfsExport* share = nullptr;
    bool server_known = false;
    for (const auto& candidate : fabric_.nfs_exports) {
        server_known = server_known || candidate.server == server;
        if (candidate.spec() == source) {
            share = &candidate;
        }
    }
    const nlohmann::json context{{"portal", server + ":2049"}, {"tool", "mount"}};
    if (!server_known || consult(FaultKind::portal_unreachable, context) != nullptr) {
        // mount.nfs retries a refused connection for two minutes in the foreground.
        duration_ms += hung_ms;
        err = "mount.nfs: Connection timed out\n";
        return 32;
    }
    if (std::find(state_.dirs.begin(), state_.dirs.end(), mount_point) == state_.dirs.end()) {
        err = "mount.nfs: mount point " + mount_point + " does not exist\n";
        return 32;
    }
    for (const auto& mount : state_.storage.mounts) {
        if (mount.mount_point == mount_point) {
            err = "mount.nfs: " + source + " is busy or already mounted\n";
            return 32;
        }
    }
    if (share == nullptr) {
        err = "mount.nfs: mounting " + source +
              " failed, reason given by server: No such file or directory\n";
        return 32;
    }
    if (consult(FaultKind::auth_failure, context) != nullptr) {
        err = "mount.nfs: access denied by server while mounting " + source + "\n";
        return 32;
    }
    const auto version = negotiate(*share, options);
    if (version.empty()) {
        err = "mount.nfs: Protocol not supported\n";
        return 32;
    }
    const bool read_only = option_value(options, "ro").has_value();
    const auto common =
        "rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,"
        "retrans=2,sec=sys,";
    MountEntry entry;
    entry.source = source;
    entry.mount_point = mount_point;
    if (version == "3") {
        entry.type = "nfs";
        entry.options = std::string(read_only ? "ro" : "rw") + ",relatime,vers=3," + common +
                        "mountaddr=" + server + ",mountvers=3,mountport=20048,mountproto=tcp," +
                        "local_lock=none,addr=" + server;
    } else {
        entry.type = "nfs4";
        entry.options = std::string(read_only ? "ro" : "rw") + ",relatime,vers=" + version + "," +
                        common + "clientaddr=" + server + ",local_lock=none,addr=" + server;
    }
    note({{"what", "nfs mounted"}, {"source", source}, {"at", mount_point}, {"vers", version}});
    state_.storage.mounts.push_back(std::move(entry));
    touch();
    return 0;
}

int Model::nfs_umount(const std::string& mount_point, std::string& err) {
    auto& mounts = state_.storage.mounts;
    const auto it = std::find_if(mounts.rbegin(), mounts.rend(),
                                 [&](const MountEntry& m) { return m.mount_point == mount_point; });
    if (it == mounts.rend()) {
        err = "umount: " + mount_point + ": not mounted.\n";
        return 32;
    }
    if (consult(FaultKind::device_held_open, {{"path", mount_point}}) != nullptr) {
        err = "umount: " + mount_point + ": target is busy.\n";
        return 32;
    }
    note({{"what", "nfs unmounted"}, {"at", mount_point}});
    mounts.erase(std::next(it).base());
    touch();
    return 0;
}

std::optional<std::string> Model::nfs_file_volume(const std::string& path) const {
    for (const auto& mount : state_.storage.mounts) {
        const auto prefix = mount.mount_point + "/";
        if (path.rfind(prefix, 0) != 0 || path.find('/', prefix.size()) != std::string::npos) {
            continue;
        }
        for (const auto& share : fabric_.nfs_exports) {
            if (share.spec() != mount.source) {
                continue;
            }
            if (const auto file = share.files.find(path.substr(prefix.size()));
                file != share.files.end()) {
                return file->second;
            }
        }
    }
    return std::nullopt;
}

int Model::nfs_file_write(const std::string& path, std::uint64_t offset, const std::string& bytes) {
    const auto volume_id = nfs_file_volume(path);
    if (!volume_id) {
        return ENOENT;
    }
    auto& volume = fabric_.volumes.at(*volume_id);
    if (offset + bytes.size() > volume.size_bytes) {
        return ENOSPC;  // the volume file keeps its size
    }
    const auto first = offset / block_size;
    const auto last = (offset + bytes.size() + block_size - 1) / block_size;
    auto current = volume_bytes(*volume_id, first * block_size, (last - first) * block_size);
    current.replace(offset - first * block_size, bytes.size(), bytes);
    for (auto index = first; index < last; ++index) {
        volume.blocks[index] = current.substr((index - first) * block_size, block_size);
    }
    touch();
    return 0;
}

int Model::nfs_file_read(const std::string& path, std::uint64_t offset, std::size_t length,
                         std::string& out) {
    const auto volume_id = nfs_file_volume(path);
    if (!volume_id) {
        return ENOENT;
    }
    out = volume_bytes(*volume_id, offset, length);
    return 0;
}

// --- RBD ---------------------------------------------------------------------------

int Model::rbd_map(const std::string& pool, const std::string& spec, const std::string& user,
                   const std::string& conf_path, bool read_only, std::string& out, std::string& err,
                   unsigned& duration_ms) {
    duration_ms += rbd_map_ms;
    auto& storage = state_.storage;
    const auto read_private = [&](const std::string& path) -> std::optional<std::string> {
        const auto it = state_.files.find(path);
        if (it == state_.files.end()) {
            return std::nullopt;
        }
        ++storage.rbd_files_read;
        const auto mode = state_.private_files.find(path);
        storage.rbd_files_private =
            storage.rbd_files_private && mode != state_.private_files.end() && mode->second;
        return it->second;
    };
    std::string mon_host;
    std::string keyring_path = "/etc/ceph/ceph.client." + user + ".keyring";
    if (!conf_path.empty()) {
        const auto conf = read_private(conf_path);
        if (!conf) {
            err = "global_init: unable to open config file from search list " + conf_path + "\n";
            return 1;
        }
        std::size_t start = 0;
        while (start < conf->size()) {
            auto end = conf->find('\n', start);
            if (end == std::string::npos) {
                end = conf->size();
            }
            const auto line = conf->substr(start, end - start);
            start = end + 1;
            const auto equals = line.find(" = ");
            if (equals == std::string::npos) {
                continue;
            }
            const auto key = line.substr(0, equals);
            if (key == "mon_host" || key == "mon host") {
                mon_host = line.substr(equals + 3);
            } else if (key == "keyring") {
                keyring_path = line.substr(equals + 3);
            }
        }
    }
    const auto& cluster = fabric_.rbd;
    bool reachable = false;
    for (const auto& monitor : cluster ? cluster->monitors : std::vector<Portal>{}) {
        const auto text = monitor.to_string();
        if ((mon_host.empty() || mon_host.find(text) != std::string::npos) &&
            consult(FaultKind::portal_unreachable, {{"portal", text}, {"tool", "rbd"}}) ==
                nullptr) {
            reachable = true;
        }
    }
    if (!reachable) {
        duration_ms += hung_ms;
        err = "rbd: couldn't connect to the cluster!\n";
        return 1;
    }
    std::string key;
    if (const auto keyring = read_private(keyring_path)) {
        bool in_section = false;
        std::size_t start = 0;
        while (start < keyring->size()) {
            auto end = keyring->find('\n', start);
            if (end == std::string::npos) {
                end = keyring->size();
            }
            auto line = keyring->substr(start, end - start);
            start = end + 1;
            line.erase(0, line.find_first_not_of(" \t"));
            if (!line.empty() && line.front() == '[') {
                in_section = line == "[client." + user + "]";
            } else if (in_section && line.rfind("key", 0) == 0) {
                const auto equals = line.find('=');
                key = line.substr(line.find_first_not_of(" \t", equals + 1));
                key.erase(key.find_last_not_of(" \t\r") + 1);
            }
        }
    }
    const auto known = cluster->users.find(user);
    if (known == cluster->users.end() || known->second != key ||
        consult(FaultKind::auth_failure, {{"tool", "rbd"}, {"volume", pool + "/" + spec}}) !=
            nullptr) {
        // What Ceph 16.2's rbd printed for a wrong key against the guest cluster
        // (hil/guest/ceph.sh): this one line, exit 13 (EACCES).
        err = "rbd: couldn't connect to the cluster!\n";
        return 13;
    }
    const auto at = spec.find('@');
    const auto image = spec.substr(0, at);
    const RbdImage* found = nullptr;
    for (const auto& candidate : cluster->images) {
        if (candidate.pool == pool && candidate.image == image) {
            found = &candidate;
        }
    }
    if (found == nullptr) {
        err = "rbd: error opening image " + image +
              ": (2) No such file or directory\n"
              "rbd: map failed: (2) No such file or directory\n";
        return 2;
    }
    RbdMapping mapping;
    while (storage.rbd.contains(mapping.id)) {
        ++mapping.id;
    }
    mapping.pool = pool;
    mapping.image = image;
    mapping.snap = at == std::string::npos ? "-" : spec.substr(at + 1);
    mapping.volume_id = found->volume_id;
    mapping.read_only = read_only || at != std::string::npos;
    const auto id = mapping.id;
    out = "/dev/" + mapping.device() + "\n";
    note({{"what", "rbd mapped"}, {"device", mapping.device()}, {"image", pool + "/" + spec}});
    storage.rbd.emplace(id, std::move(mapping));
    // ceph-common's udev rule names the device after the image.
    if (consult(FaultKind::udev_link_missing, {{"device", "rbd" + std::to_string(id)}}) ==
        nullptr) {
        schedule(jittered(fabric_.timing.udev_ms / 4), "rbd udev link", [this, id] {
            if (const auto it = state_.storage.rbd.find(id); it != state_.storage.rbd.end()) {
                it->second.links = true;
            }
        });
    }
    touch();
    return 0;
}

int Model::rbd_unmap(const std::string& device_or_spec, bool force, std::string& err) {
    auto& mappings = state_.storage.rbd;
    auto it = mappings.end();
    for (auto candidate = mappings.begin(); candidate != mappings.end(); ++candidate) {
        const auto& m = candidate->second;
        const auto spec = m.pool + "/" + m.image + (m.snap == "-" ? "" : "@" + m.snap);
        if ("/dev/" + m.device() == device_or_spec || spec == device_or_spec) {
            it = candidate;
        }
    }
    if (it == mappings.end()) {
        err = "rbd: " + device_or_spec + ": not a mapped image or snapshot\n";
        return 22;
    }
    const auto device = it->second.device();
    if (!force && consult(FaultKind::device_held_open, {{"device", device}}) != nullptr) {
        err = "rbd: sysfs write failed\nrbd: unmap failed: (16) Device or resource busy\n";
        return 16;
    }
    if (auto dirty = state_.storage.dirty.find(device); dirty != state_.storage.dirty.end()) {
        if (!dirty->second.empty()) {
            drop_dirty(it->second.volume_id, dirty->second);
        }
        state_.storage.dirty.erase(dirty);
    }
    note({{"what", "rbd unmapped"}, {"device", device}});
    mappings.erase(it);
    touch();
    return 0;
}

// --- dm-crypt ------------------------------------------------------------------------

std::optional<std::string> Model::volume_behind(const std::string& device) const {
    if (const auto* disk = device_by_disk(device)) {
        return live_volume_of(*disk);
    }
    for (const auto& [id, mapping] : state_.storage.rbd) {
        if (mapping.device() == device) {
            return mapping.volume_id;
        }
    }
    for (const auto& lv : state_.storage.logical_volumes) {
        if (lv.device() == device) {
            return lv.volume_id;
        }
    }
    if (const auto disk = nvme_disk(device)) {
        return disk->volume_id;
    }
    for (const auto& [wwid, map] : state_.maps) {
        if (map.device() != device) {
            continue;
        }
        for (const auto& path : map.paths) {
            if (const auto* disk = device_by_disk(path)) {
                return live_volume_of(*disk);
            }
        }
    }
    return std::nullopt;
}

const CryptMapping* Model::crypt_mapping(const std::string& name_or_device) const {
    for (const auto& [name, mapping] : state_.storage.crypts) {
        if (name == name_or_device || mapping.device() == name_or_device) {
            return &mapping;
        }
    }
    return nullptr;
}

unsigned Model::luks_version_of(const std::string& device) const {
    const auto volume = volume_behind(device);
    return volume ? fabric_.volumes.at(*volume).luks_version : 0;
}

int Model::luks_format(const std::string& device, unsigned version, const std::string& passphrase) {
    const auto volume_id = volume_behind(device);
    if (!volume_id) {
        return 4;
    }
    for (const auto& [name, mapping] : state_.storage.crypts) {
        if (mapping.backing == device) {
            return 5;
        }
    }
    auto& volume = fabric_.volumes.at(*volume_id);
    const auto seed = mix(digest(*volume_id) ^ static_cast<std::uint64_t>(now_ms_) ^
                          (static_cast<std::uint64_t>(next_token_++) << 32U));
    volume.luks_version = version;
    volume.luks_uuid = hex(mix(seed), 8) + "-" + hex(mix(seed + 1), 4) + "-4" +
                       hex(mix(seed + 2), 3) + "-8" + hex(mix(seed + 3), 3) + "-" +
                       hex(mix(seed + 4), 12);
    volume.luks_passphrase_digest = digest(passphrase);
    volume.luks_master_key = mix(seed + 5);
    note({{"what", "luks formatted"}, {"device", device}, {"version", version}});
    touch();
    return 0;
}

int Model::luks_open(const std::string& device, const std::string& name,
                     const std::string& passphrase, bool read_only) {
    if (state_.storage.crypts.contains(name)) {
        return 5;
    }
    const auto volume_id = volume_behind(device);
    if (!volume_id) {
        return 4;
    }
    for (const auto& [other, mapping] : state_.storage.crypts) {
        if (mapping.backing == device) {
            return 5;
        }
    }
    const auto& volume = fabric_.volumes.at(*volume_id);
    if (volume.luks_version == 0) {
        return 1;
    }
    if (volume.luks_passphrase_digest != digest(passphrase)) {
        return 2;
    }
    CryptMapping mapping;
    mapping.dm_index = state_.next_dm++;
    mapping.name = name;
    mapping.backing = device;
    mapping.volume_id = *volume_id;
    mapping.luks_version = volume.luks_version;
    mapping.luks_uuid = volume.luks_uuid;
    // LUKS1 puts the data 2 MiB in, LUKS2 16 MiB (cryptsetup 2.6 defaults).
    mapping.offset_bytes = volume.luks_version == 1 ? (2ULL << 20U) : (16ULL << 20U);
    const auto size = block_device_size(device).value_or(volume.size_bytes);
    mapping.size_bytes = size > mapping.offset_bytes ? size - mapping.offset_bytes : 0;
    mapping.master_key = volume.luks_master_key;
    mapping.read_only = read_only;
    // cryptsetup waits for udev: the /dev/mapper link exists when it returns.
    mapping.links = true;
    note({{"what", "dm-crypt opened"},
          {"name", name},
          {"device", mapping.device()},
          {"on", device}});
    state_.storage.crypts.emplace(name, std::move(mapping));
    touch();
    return 0;
}

int Model::luks_close(const std::string& name) {
    const auto it = state_.storage.crypts.find(name);
    if (it == state_.storage.crypts.end()) {
        return 4;
    }
    const auto device = it->second.device();
    if (consult(FaultKind::device_held_open, {{"device", device}}) != nullptr) {
        return 5;
    }
    // Removing the mapping writes what the last close left in its cache.
    if (const auto flushed = storage_flush(device); flushed && *flushed != 0) {
        if (auto dirty = state_.storage.dirty.find(device); dirty != state_.storage.dirty.end()) {
            drop_dirty(it->second.volume_id, dirty->second);
        }
    }
    state_.storage.dirty.erase(device);
    note({{"what", "dm-crypt closed"}, {"name", name}, {"device", device}});
    state_.storage.crypts.erase(it);
    touch();
    return 0;
}

// --- block I/O ---------------------------------------------------------------------

std::optional<int> Model::storage_write(const std::string& name, std::uint64_t offset,
                                        const std::string& bytes) {
    bool read_only = false;
    bool known = false;
    for (const auto& [id, mapping] : state_.storage.rbd) {
        if (mapping.device() == name) {
            known = true;
            read_only = mapping.read_only;
        }
    }
    for (const auto& lv : state_.storage.logical_volumes) {
        known = known || lv.device() == name;
    }
    if (const auto* crypt = crypt_mapping(name)) {
        known = crypt->device() == name;
        read_only = crypt->read_only;
    }
    if (!known) {
        return std::nullopt;
    }
    if (read_only) {
        return EROFS;
    }
    const auto size = block_device_size(name).value_or(0);
    if (offset + bytes.size() > size) {
        return ENOSPC;
    }
    const auto first = offset / block_size;
    const auto last = (offset + bytes.size() + block_size - 1) / block_size;
    std::string current;
    if (const auto error =
            storage_read(name, first * block_size, (last - first) * block_size, current);
        error && *error != 0) {
        return *error;
    }
    current.replace(offset - first * block_size, bytes.size(), bytes);
    auto& dirty = state_.storage.dirty[name];
    for (auto index = first; index < last; ++index) {
        dirty[index] = current.substr((index - first) * block_size, block_size);
    }
    touch();
    return 0;
}

std::optional<int> Model::storage_read(const std::string& name, std::uint64_t offset,
                                       std::size_t length, std::string& out) {
    static const std::map<std::uint64_t, std::string> none;
    const auto dirty_it = state_.storage.dirty.find(name);
    const auto& dirty = dirty_it == state_.storage.dirty.end() ? none : dirty_it->second;
    std::optional<std::string> volume;
    for (const auto& [id, mapping] : state_.storage.rbd) {
        if (mapping.device() == name) {
            volume = mapping.volume_id;
        }
    }
    for (const auto& lv : state_.storage.logical_volumes) {
        if (lv.device() == name) {
            volume = lv.volume_id;
        }
    }
    if (volume) {
        out = read_cached(dirty, offset, length, [&](std::uint64_t index) {
            return volume_bytes(*volume, index * block_size, block_size);
        });
        return 0;
    }
    const auto* crypt = crypt_mapping(name);
    if (crypt == nullptr || crypt->device() != name) {
        return std::nullopt;
    }
    const auto mapping = *crypt;
    int error = 0;
    out = read_cached(dirty, offset, length, [&](std::uint64_t index) {
        std::string cipher;
        if (const int e = read_device(mapping.backing, mapping.offset_bytes + index * block_size,
                                      block_size, cipher);
            e != 0) {
            error = e;
            return std::string(block_size, '\0');
        }
        return transform(mapping.master_key, index * block_size, cipher);
    });
    return error;
}

std::optional<int> Model::storage_flush(const std::string& name) {
    auto dirty_it = state_.storage.dirty.find(name);
    if (!block_device_size(name) || nvme_disk(name) || md_array(name) != nullptr) {
        return std::nullopt;  // not an rbd, LVM or dm-crypt device
    }
    if (consult(FaultKind::device_held_open, {{"device", name}}) != nullptr) {
        return EBUSY;
    }
    for (const auto& [id, mapping] : state_.storage.rbd) {
        if (mapping.device() == name) {
            if (dirty_it != state_.storage.dirty.end()) {
                write_blocks(mapping.volume_id, dirty_it->second);
            }
            return 0;
        }
    }
    for (const auto& lv : state_.storage.logical_volumes) {
        if (lv.device() == name) {
            if (dirty_it != state_.storage.dirty.end()) {
                write_blocks(lv.volume_id, dirty_it->second);
            }
            return 0;
        }
    }
    const auto* crypt = crypt_mapping(name);
    if (crypt == nullptr || crypt->device() != name) {
        return std::nullopt;
    }
    const auto mapping = *crypt;
    if (dirty_it != state_.storage.dirty.end()) {
        auto blocks = std::move(dirty_it->second);
        dirty_it->second.clear();
        for (const auto& [index, data] : blocks) {
            const auto cipher = transform(mapping.master_key, index * block_size, data);
            if (const int e = write_device(mapping.backing,
                                           mapping.offset_bytes + index * block_size, cipher);
                e != 0) {
                state_.storage.dirty[name] = std::move(blocks);
                return e;
            }
        }
    }
    // dm-crypt passes the flush down to the device under it.
    return flush_device(mapping.backing);
}

}  // namespace brick::sim
