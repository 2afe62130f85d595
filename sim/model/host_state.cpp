#include "sim/model/host_state.hpp"

#include <array>

namespace brick::sim {
namespace {

// Defaults of the node record settings, in the order `iscsiadm -m node -o
// show` prints them (open-iscsi 2.1.8 with Debian's iscsid.conf; the record
// of hil/golden/iscsiadm/node-one-record.txt). node.name, node.tpgt and the
// portal (node.conn[0].address and port, printed after node.session.reopen_max)
// are the record's own.
struct Default {
    const char* key;
    const char* value;
};
constexpr std::array<Default, 103> node_defaults = {{
    {"node.startup", "manual"},
    {"node.leading_login", "No"},
    {"iface.iscsi_ifacename", "default"},
    {"iface.net_ifacename", ""},
    {"iface.ipaddress", ""},
    {"iface.prefix_len", "0"},
    {"iface.hwaddress", ""},
    {"iface.transport_name", "tcp"},
    {"iface.initiatorname", ""},
    {"iface.state", ""},
    {"iface.vlan_id", "0"},
    {"iface.vlan_priority", "0"},
    {"iface.vlan_state", ""},
    {"iface.iface_num", "0"},
    {"iface.mtu", "0"},
    {"iface.port", "0"},
    {"iface.bootproto", ""},
    {"iface.subnet_mask", ""},
    {"iface.gateway", ""},
    {"iface.dhcp_alt_client_id_state", ""},
    {"iface.dhcp_alt_client_id", ""},
    {"iface.dhcp_dns", ""},
    {"iface.dhcp_learn_iqn", ""},
    {"iface.dhcp_req_vendor_id_state", ""},
    {"iface.dhcp_vendor_id_state", ""},
    {"iface.dhcp_vendor_id", ""},
    {"iface.dhcp_slp_da", ""},
    {"iface.fragmentation", ""},
    {"iface.gratuitous_arp", ""},
    {"iface.incoming_forwarding", ""},
    {"iface.tos_state", ""},
    {"iface.tos", "0"},
    {"iface.ttl", "0"},
    {"iface.delayed_ack", ""},
    {"iface.tcp_nagle", ""},
    {"iface.tcp_wsf_state", ""},
    {"iface.tcp_wsf", "0"},
    {"iface.tcp_timer_scale", "0"},
    {"iface.tcp_timestamp", ""},
    {"iface.redirect", ""},
    {"iface.def_task_mgmt_timeout", "0"},
    {"iface.header_digest", ""},
    {"iface.data_digest", ""},
    {"iface.immediate_data", ""},
    {"iface.initial_r2t", ""},
    {"iface.data_seq_inorder", ""},
    {"iface.data_pdu_inorder", ""},
    {"iface.erl", "0"},
    {"iface.max_receive_data_len", "0"},
    {"iface.first_burst_len", "0"},
    {"iface.max_outstanding_r2t", "0"},
    {"iface.max_burst_len", "0"},
    {"iface.chap_auth", ""},
    {"iface.bidi_chap", ""},
    {"iface.strict_login_compliance", ""},
    {"iface.discovery_auth", ""},
    {"iface.discovery_logout", ""},
    {"node.discovery_address", ""},
    {"node.discovery_port", "0"},
    {"node.discovery_type", "static"},
    {"node.session.initial_cmdsn", "0"},
    {"node.session.initial_login_retry_max", "8"},
    {"node.session.xmit_thread_priority", "-20"},
    {"node.session.cmds_max", "128"},
    {"node.session.queue_depth", "32"},
    {"node.session.nr_sessions", "1"},
    {"node.session.auth.authmethod", "None"},
    {"node.session.auth.username", ""},
    {"node.session.auth.password", ""},
    {"node.session.auth.username_in", ""},
    {"node.session.auth.password_in", ""},
    {"node.session.auth.chap_algs", "MD5"},
    {"node.session.timeo.replacement_timeout", "120"},
    {"node.session.err_timeo.abort_timeout", "15"},
    {"node.session.err_timeo.lu_reset_timeout", "30"},
    {"node.session.err_timeo.tgt_reset_timeout", "30"},
    {"node.session.err_timeo.host_reset_timeout", "60"},
    {"node.session.iscsi.FastAbort", "Yes"},
    {"node.session.iscsi.InitialR2T", "No"},
    {"node.session.iscsi.ImmediateData", "Yes"},
    {"node.session.iscsi.FirstBurstLength", "262144"},
    {"node.session.iscsi.MaxBurstLength", "16776192"},
    {"node.session.iscsi.DefaultTime2Retain", "0"},
    {"node.session.iscsi.DefaultTime2Wait", "2"},
    {"node.session.iscsi.MaxConnections", "1"},
    {"node.session.iscsi.MaxOutstandingR2T", "1"},
    {"node.session.iscsi.ERL", "0"},
    {"node.session.scan", "auto"},
    {"node.session.reopen_max", "0"},
    {"node.conn[0].startup", "manual"},
    {"node.conn[0].tcp.window_size", "524288"},
    {"node.conn[0].tcp.type_of_service", "0"},
    {"node.conn[0].timeo.logout_timeout", "15"},
    {"node.conn[0].timeo.login_timeout", "15"},
    {"node.conn[0].timeo.auth_timeout", "45"},
    {"node.conn[0].timeo.noop_out_interval", "5"},
    {"node.conn[0].timeo.noop_out_timeout", "5"},
    {"node.conn[0].iscsi.MaxXmitDataSegmentLength", "0"},
    {"node.conn[0].iscsi.MaxRecvDataSegmentLength", "262144"},
    {"node.conn[0].iscsi.HeaderDigest", "None"},
    {"node.conn[0].iscsi.DataDigest", "None"},
    {"node.conn[0].iscsi.IFMarker", "No"},
    {"node.conn[0].iscsi.OFMarker", "No"},
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

std::string iface_transport(const std::string& iface) {
    return iface == "iser" ? "iser" : "tcp";
}

std::string NodeRecord::value(const std::string& key) const {
    if (const auto it = settings.find(key); it != settings.end()) {
        return it->second;
    }
    if (key == "iface.transport_name") {
        return iface_transport(iface);
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
