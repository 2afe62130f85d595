// md RAID1 arrays over block devices (the NVMe-oF replicas): superblocks live
// on the legs' volumes (target side), so an array created on one attach is
// assembled on the next.
#include <array>
#include <cerrno>
#include <cstdio>

#include "sim/model/model.hpp"

namespace brick::sim {

const MdArray* Model::md_array(const std::string& name_or_device) const {
    for (const auto& [number, array] : state_.nvme.md_arrays) {
        if (array.device() == name_or_device || array.name == name_or_device) {
            return &array;
        }
    }
    return nullptr;
}

const Volume* Model::md_superblock_of(const std::string& device) const {
    const auto disk = nvme_disk(device);
    if (!disk) {
        return nullptr;
    }
    const auto it = fabric_.volumes.find(disk->volume_id);
    return it == fabric_.volumes.end() || it->second.md_uuid.empty() ? nullptr : &it->second;
}

int Model::md_create(const std::string& name, unsigned raid_devices,
                     const std::vector<std::string>& legs) {
    if (md_array(name) != nullptr) {
        return EEXIST;
    }
    std::vector<std::string> present;
    for (const auto& leg : legs) {
        if (leg == "missing") {
            continue;
        }
        const auto disk = nvme_disk(leg);
        if (!disk || !disk->usable) {
            return ENODEV;
        }
        for (const auto& [n, other] : state_.nvme.md_arrays) {
            if (std::find(other.legs.begin(), other.legs.end(), leg) != other.legs.end()) {
                return EBUSY;
            }
        }
        present.push_back(leg);
    }
    if (present.empty()) {
        return ENODEV;
    }
    MdArray array;
    array.number = 127;
    while (state_.nvme.md_arrays.contains(array.number)) {
        --array.number;
    }
    array.name = name;
    std::array<char, 40> uuid{};
    std::snprintf(uuid.data(), uuid.size(), "%08llx:%08llx:%08llx:%08llx",
                  static_cast<unsigned long long>(next_token_ * 2654435761ULL % 0xffffffffULL),
                  static_cast<unsigned long long>(now_ms_ & 0xffffffffULL),
                  static_cast<unsigned long long>(array.number), 0x6272696bULL);
    ++next_token_;
    array.uuid = uuid.data();
    array.raid_devices = raid_devices;
    array.legs = present;
    array.size_bytes = ~0ULL;
    for (const auto& leg : present) {
        const auto disk = nvme_disk(leg);
        auto& volume = fabric_.volumes.at(disk->volume_id);
        volume.md_uuid = array.uuid;
        volume.md_name = name;
        volume.md_raid_devices = raid_devices;
        // The superblock and bitmap take room at the end of each leg.
        array.size_bytes =
            std::min<std::uint64_t>(array.size_bytes, volume.size_bytes - (1ULL << 20U));
    }
    note({{"what", "md array created"},
          {"array", array.device()},
          {"name", name},
          {"legs", present},
          {"raid_devices", raid_devices}});
    state_.nvme.md_arrays.emplace(array.number, std::move(array));
    touch();
    return 0;
}

int Model::md_assemble(const std::string& name, const std::vector<std::string>& legs, bool run) {
    if (md_array(name) != nullptr) {
        return EEXIST;
    }
    std::string uuid;
    unsigned raid_devices = 0;
    std::vector<std::string> present;
    std::uint64_t size = ~0ULL;
    for (const auto& leg : legs) {
        const auto* volume = md_superblock_of(leg);
        if (volume == nullptr) {
            continue;  // no superblock: not a member
        }
        if (!uuid.empty() && volume->md_uuid != uuid) {
            continue;  // a member of another array
        }
        uuid = volume->md_uuid;
        raid_devices = volume->md_raid_devices;
        present.push_back(leg);
        size = std::min<std::uint64_t>(size, volume->size_bytes - (1ULL << 20U));
    }
    if (present.empty()) {
        return ENODEV;
    }
    if (present.size() < raid_devices && !run) {
        return EAGAIN;  // not started: degraded without --run
    }
    MdArray array;
    array.number = 127;
    while (state_.nvme.md_arrays.contains(array.number)) {
        --array.number;
    }
    array.name = name;
    array.uuid = uuid;
    array.raid_devices = raid_devices;
    array.legs = present;
    array.size_bytes = size;
    note({{"what", "md array assembled"},
          {"array", array.device()},
          {"name", name},
          {"legs", present},
          {"degraded", raid_devices - present.size()}});
    state_.nvme.md_arrays.emplace(array.number, std::move(array));
    touch();
    return 0;
}

int Model::md_stop(const std::string& name_or_device) {
    const auto* array = md_array(name_or_device);
    if (array == nullptr) {
        return ENOENT;
    }
    const auto device = array->device();
    auto action = block_device_action(ActionKind::stop_md_array, device);
    if (consult(FaultKind::device_held_open, {{"device", device}}) != nullptr) {
        action.error = EBUSY;
        report(action);
        return EBUSY;
    }
    report(action);
    const auto flushed = extra_flush(device);
    if (flushed && *flushed != 0) {
        if (auto dirty = state_.nvme.dirty.find(device); dirty != state_.nvme.dirty.end()) {
            drop_dirty(array->name, dirty->second);
        }
    }
    state_.nvme.dirty.erase(device);
    note({{"what", "md array stopped"}, {"array", device}});
    state_.nvme.md_arrays.erase(array->number);
    touch();
    return 0;
}

}  // namespace brick::sim
