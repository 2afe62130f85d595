// Block contents: volumes on the target, dirty blocks in the host's cache.
#include <cerrno>

#include "sim/model/model.hpp"

namespace brick::sim {
namespace {

constexpr std::uint64_t block_size = 512;
// The kernel writes a block device's dirty pages back on its own once they
// are older than vm.dirty_expire_centisecs (30 s by default), whatever
// program hangs meanwhile; while the device cannot take them it tries again
// (the flusher wakes every 5 s).
constexpr std::int64_t dirty_expire_ms = 30000;
constexpr std::int64_t writeback_retry_ms = 5000;

// The block layer fails I/O to an offline device (a transport-offline one
// too: its session's recovery timed out) and to one being deleted
// (SDEV_CANCEL lets only power-management commands through).
bool refuses_io(const ScsiDevice& device) {
    return device.state == "offline" || device.state == "transport-offline" ||
           device.state == "cancel";
}

std::string block_of(const std::map<std::uint64_t, std::string>& blocks, std::uint64_t index) {
    const auto it = blocks.find(index);
    return it == blocks.end() ? std::string(block_size, '\0') : it->second;
}

}  // namespace

void Model::drop_dirty(const std::string& volume_id, std::map<std::uint64_t, std::string>& dirty) {
    state_.lost_blocks[volume_id] += dirty.size();
    note({{"what", "unflushed writes lost"}, {"volume", volume_id}, {"blocks", dirty.size()}});
    dirty.clear();
}

void Model::write_blocks(const std::string& volume_id,
                         std::map<std::uint64_t, std::string>& dirty) {
    auto& volume = fabric_.volumes.at(volume_id);
    for (auto& [index, data] : dirty) {
        volume.blocks[index] = std::move(data);
    }
    dirty.clear();
    // Block contents are not rendered and nothing waits on them: no generation bump
    // (a new generation costs a render of the whole tree).
}

std::string Model::volume_bytes(const std::string& volume_id, std::uint64_t offset,
                                std::size_t length) const {
    const auto it = fabric_.volumes.find(volume_id);
    if (it == fabric_.volumes.end()) {
        return {};
    }
    std::string out;
    out.reserve(length);
    for (std::uint64_t pos = offset; pos < offset + length;) {
        const auto block = block_of(it->second.blocks, pos / block_size);
        const auto within = pos % block_size;
        const auto take = std::min<std::uint64_t>(block_size - within, offset + length - pos);
        out += block.substr(within, take);
        pos += take;
    }
    return out;
}

std::string Model::lun_bytes(const std::string& target, std::uint64_t lun, std::uint64_t offset,
                             std::size_t length) const {
    const auto* luns = luns_of(target);
    if (luns == nullptr) {
        return {};
    }
    for (const auto& l : *luns) {
        if (l.number == lun) {
            return volume_bytes(l.volume_id, offset, length);
        }
    }
    return {};
}

std::uint64_t Model::lost_blocks(const std::string& volume_id) const {
    const auto it = state_.lost_blocks.find(volume_id);
    return it == state_.lost_blocks.end() ? 0 : it->second;
}

std::uint64_t Model::stranded_blocks(const std::string& volume_id) const {
    std::uint64_t stranded = 0;
    for (const auto& [address, device] : state_.devices) {
        if (device.state != "running" && !device.dirty.empty() &&
            live_volume_of(device) == volume_id) {
            stranded += device.dirty.size();
        }
    }
    return stranded;
}

int Model::write_device(const std::string& name, std::uint64_t offset, const std::string& bytes) {
    if (const auto handled = storage_write(name, offset, bytes)) {
        return *handled;
    }
    if (const auto handled = extra_write(name, offset, bytes)) {
        return *handled;
    }
    if (const auto* device = device_by_disk(name); device != nullptr && refuses_io(*device)) {
        return EIO;
    }
    // A write-protected disk cannot be opened for writing (sd_open: EROFS,
    // "cannot open" on LIO); a read-only map opens and the block layer
    // refuses the write (blkdev_write_iter: EPERM).
    if (block_read_only(name)) {
        return device_by_disk(name) != nullptr ? EROFS : EPERM;
    }
    auto* dirty = scsi_dirty(name);
    if (dirty == nullptr) {
        return ENODEV;
    }
    std::string current;
    const auto first = offset / block_size;
    const auto last = (offset + bytes.size() + block_size - 1) / block_size;
    if (const int error =
            read_device(name, first * block_size, (last - first) * block_size, current);
        error != 0) {
        return error;
    }
    current.replace(offset - first * block_size, bytes.size(), bytes);
    const bool was_clean = dirty->empty();
    for (auto index = first; index < last; ++index) {
        (*dirty)[index] = current.substr((index - first) * block_size, block_size);
    }
    if (const auto volume = scsi_volume_behind(name); was_clean && volume) {
        schedule(dirty_expire_ms, "writeback " + name,
                 [this, name, volume = *volume] { write_back(name, volume); });
    }
    return 0;
}

std::map<std::uint64_t, std::string>* Model::scsi_dirty(const std::string& name) {
    if (auto* device = device_by_disk(name)) {
        return &device->dirty;
    }
    if (auto* map = find_map(name)) {
        return &map->dirty;
    }
    return nullptr;
}

std::optional<std::string> Model::scsi_volume_behind(const std::string& name) const {
    if (const auto* device = device_by_disk(name)) {
        return device->state == "running" ? live_volume_of(*device) : std::nullopt;
    }
    for (const auto& [wwid, map] : state_.maps) {
        if (map.device() == name || map.name == name) {
            return volume_through(map);
        }
    }
    return std::nullopt;
}

std::optional<std::string> Model::volume_through(const MultipathMap& map) const {
    for (const auto& disk : map.paths) {
        const auto* path = device_by_disk(disk);
        if (path != nullptr && path->state == "running") {
            return live_volume_of(*path);
        }
    }
    return std::nullopt;
}

// Only to the volume the blocks were written for: a device that reads
// another volume now (the LUN was remapped) keeps them, as the model never
// writes one volume's data onto another. A device that went took its blocks.
void Model::write_back(const std::string& name, const std::string& volume_id) {
    auto* dirty = scsi_dirty(name);
    if (dirty == nullptr || dirty->empty()) {
        return;
    }
    const auto volume = scsi_volume_behind(name);
    if (volume == volume_id) {
        write_blocks(volume_id, *dirty);
        return;
    }
    if (!volume) {
        schedule(writeback_retry_ms, "writeback " + name,
                 [this, name, volume_id] { write_back(name, volume_id); });
    }
}

int Model::read_device(const std::string& name, std::uint64_t offset, std::size_t length,
                       std::string& out) {
    if (const auto handled = storage_read(name, offset, length, out)) {
        return *handled;
    }
    if (const auto handled = extra_read(name, offset, length, out)) {
        return *handled;
    }
    const std::map<std::uint64_t, std::string>* dirty = nullptr;
    std::optional<std::string> volume;
    if (const auto* device = device_by_disk(name)) {
        if (refuses_io(*device)) {
            return EIO;
        }
        dirty = &device->dirty;
        volume = live_volume_of(*device);
    } else if (const auto* map = find_map(name)) {
        dirty = &map->dirty;
        volume = volume_through(*map);
    } else {
        return ENODEV;
    }
    if (!volume) {
        return EIO;
    }
    out.clear();
    for (std::uint64_t pos = offset; pos < offset + length;) {
        const auto index = pos / block_size;
        const auto it = dirty->find(index);
        const auto block =
            it != dirty->end() ? it->second : volume_bytes(*volume, index * block_size, block_size);
        const auto within = pos % block_size;
        const auto take = std::min<std::uint64_t>(block_size - within, offset + length - pos);
        out += block.substr(within, take);
        pos += take;
    }
    return 0;
}

int Model::flush_device(const std::string& name) {
    auto action = block_device_action(ActionKind::flush, name);
    action.error = flush_block_device(name);
    report(action);
    return action.error;
}

int Model::flush_block_device(const std::string& name) {
    if (const auto handled = storage_flush(name)) {
        return *handled;
    }
    if (const auto handled = extra_flush(name)) {
        return *handled;
    }
    if (auto* device = device_by_disk(name)) {
        if (device->held_open ||
            consult(FaultKind::device_held_open,
                    {{"device", name}, {"lun", device->address.lun}}) != nullptr) {
            return EBUSY;
        }
        if (refuses_io(*device)) {
            return EIO;
        }
        const auto volume = live_volume_of(*device);
        if (!volume) {
            return device->dirty.empty() ? 0 : EIO;
        }
        write_blocks(*volume, device->dirty);
        return 0;
    }
    if (auto* map = find_map(name)) {
        if (consult(FaultKind::device_held_open, {{"device", map->device()}}) != nullptr) {
            return EBUSY;
        }
        std::optional<std::string> volume;
        volume = volume_through(*map);
        if (!volume) {
            if (map->queue_if_no_path) {
                return ETIMEDOUT;  // I/O queues until a path returns: the flush blocks
            }
            return map->dirty.empty() ? 0 : EIO;
        }
        write_blocks(*volume, map->dirty);
        return 0;
    }
    return ENODEV;
}

std::uint64_t Model::dirty_blocks(const std::string& name) const {
    if (const auto it = state_.storage.dirty.find(name); it != state_.storage.dirty.end()) {
        return it->second.size();
    }
    if (const auto it = state_.nvme.dirty.find(name); it != state_.nvme.dirty.end()) {
        return it->second.size();
    }
    if (const auto* device = device_by_disk(name)) {
        return device->dirty.size();
    }
    for (const auto& [wwid, map] : state_.maps) {
        if (map.device() == name || map.name == name) {
            return map.dirty.size();
        }
    }
    return 0;
}

}  // namespace brick::sim
