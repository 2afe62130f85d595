#include "sim/model/host_state.hpp"

#include <array>

namespace brick::sim {
namespace {

// Defaults of the node record settings that the fake iscsiadm knows, in the
// order `iscsiadm -m node -o show` prints them (a subset of open-iscsi 2.1.8).
struct Default {
    const char* key;
    const char* value;
};
constexpr std::array<Default, 28> node_defaults = {{
    {"node.startup", "manual"},
    {"node.leading_login", "No"},
    {"iface.iscsi_ifacename", "default"},
    {"iface.transport_name", "tcp"},
    {"node.discovery_port", "0"},
    {"node.discovery_type", "static"},
    {"node.session.initial_cmdsn", "0"},
    {"node.session.initial_login_retry_max", "8"},
    {"node.session.cmds_max", "128"},
    {"node.session.queue_depth", "32"},
    {"node.session.nr_sessions", "1"},
    {"node.session.auth.authmethod", "None"},
    {"node.session.auth.username", ""},
    {"node.session.auth.password", ""},
    {"node.session.auth.username_in", ""},
    {"node.session.auth.password_in", ""},
    {"node.session.timeo.replacement_timeout", "120"},
    {"node.session.err_timeo.abort_timeout", "15"},
    {"node.session.err_timeo.lu_reset_timeout", "30"},
    {"node.session.err_timeo.tgt_reset_timeout", "30"},
    {"node.session.scan", "auto"},
    {"node.conn[0].startup", "manual"},
    {"node.conn[0].timeo.logout_timeout", "15"},
    {"node.conn[0].timeo.login_timeout", "15"},
    {"node.conn[0].timeo.noop_out_interval", "5"},
    {"node.conn[0].timeo.noop_out_timeout", "5"},
    {"node.conn[0].iscsi.HeaderDigest", "None"},
    {"node.conn[0].iscsi.DataDigest", "None"},
}};

}  // namespace

std::string ScsiAddress::to_string() const {
    return std::to_string(host) + ":" + std::to_string(channel) + ":" + std::to_string(target) +
           ":" + std::to_string(lun);
}

std::string ScsiAddress::target_name() const {
    return "target" + std::to_string(host) + ":" + std::to_string(channel) + ":" +
           std::to_string(target);
}

std::string NodeRecord::value(const std::string& key) const {
    if (const auto it = settings.find(key); it != settings.end()) {
        return it->second;
    }
    for (const auto& d : node_defaults) {
        if (key == d.key) {
            return d.value;
        }
    }
    return {};
}

std::vector<std::string> node_setting_keys() {
    std::vector<std::string> keys;
    keys.reserve(std::size(node_defaults));
    for (const auto& d : node_defaults) {
        keys.emplace_back(d.key);
    }
    return keys;
}

std::string ScsiDevice::disk_name() const {
    return disk_index ? sd_name(*disk_index) : std::string();
}

std::string FcRemotePort::name() const {
    return "rport-" + std::to_string(scsi_host) + ":" + std::to_string(channel) + "-" +
           std::to_string(number);
}

std::string FcRemotePort::target_name() const {
    return "target" + std::to_string(scsi_host) + ":" + std::to_string(channel) + ":" +
           std::to_string(scsi_target_id);
}

std::string sd_name(unsigned index) {
    // Bijective base 26, as the kernel's sd_format_disk_name.
    std::string letters;
    unsigned long value = index;
    for (;;) {
        letters.insert(letters.begin(), static_cast<char>('a' + value % 26));
        if (value < 26) {
            break;
        }
        value = value / 26 - 1;
    }
    return "sd" + letters;
}

std::optional<unsigned> sd_index(const std::string& name) {
    if (name.size() < 3 || name.rfind("sd", 0) != 0) {
        return std::nullopt;
    }
    unsigned long value = 0;
    for (std::size_t i = 2; i < name.size(); ++i) {
        const char c = name[i];
        if (c < 'a' || c > 'z' || value > 100000000UL) {
            return std::nullopt;
        }
        value = value * 26 + static_cast<unsigned>(c - 'a') + 1;
    }
    return static_cast<unsigned>(value - 1);
}

std::pair<unsigned, unsigned> sd_device_number(unsigned index) {
    // SCSI disk majors: 8, 65..71, 128..135; 16 disks per major, 16 minors per disk.
    const unsigned group = (index >> 4U) & 0x0FU;
    unsigned major = 8;
    if (group >= 1 && group <= 7) {
        major = 64 + group;
    } else if (group >= 8) {
        major = 128 + group - 8;
    }
    const unsigned minor = ((index & 0x0FU) << 4U) | ((index & 0xFFF00U) << 12U);
    return {major, minor};
}

}  // namespace brick::sim
