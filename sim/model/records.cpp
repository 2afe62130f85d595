#include "sim/model/records.hpp"

#include <algorithm>
#include <tuple>

namespace brick::sim {

namespace {

// The record's entry in its target's folder, as open-iscsi names it.
std::string portal_entry_name(const NodeRecord& node) {
    auto name = node.portal.comma_string();
    if (node.tpgt != -1) {
        name += "," + std::to_string(node.tpgt);
    }
    return name;
}

}  // namespace

void sort_node_records(std::vector<NodeRecord*>& nodes) {
    std::stable_sort(nodes.begin(), nodes.end(), [](const NodeRecord* a, const NodeRecord* b) {
        return std::forward_as_tuple(a->iqn, portal_entry_name(*a), a->iface) <
               std::forward_as_tuple(b->iqn, portal_entry_name(*b), b->iface);
    });
}

std::string node_record_text(const NodeRecord& node, bool show_secrets) {
    std::string out = "# BEGIN RECORD 2.1.8\n";
    auto line = [&](const std::string& key, const std::string& value) {
        out += key + " = " + (value.empty() ? std::string("<empty>") : value) + "\n";
    };
    line("node.name", node.iqn);
    line("node.tpgt", std::to_string(node.tpgt));
    for (const auto& key : node_setting_keys()) {
        auto value = node.value(key);
        if (key == "iface.iscsi_ifacename") {
            value = node.iface;
        } else if (key == "node.discovery_type") {
            value = node.discovery_type;
        }
        const bool secret = key.find("password") != std::string::npos;
        if (secret && !value.empty() && !show_secrets) {
            value = "********";
        }
        if (key == "node.conn[0].startup") {
            line("node.conn[0].address", node.portal.address);
            line("node.conn[0].port", std::to_string(node.portal.port));
        }
        line(key, value);
    }
    out += "# END RECORD\n";
    return out;
}

std::string initiator_name_file(const std::string& initiator_name) {
    return "## DO NOT EDIT OR REMOVE THIS FILE!\n"
           "## If you remove this file, the iSCSI daemon will not start.\n"
           "## If you change the InitiatorName, existing access control lists\n"
           "## may reject this initiator.  The InitiatorName must be unique\n"
           "## for each iSCSI initiator.  Do NOT duplicate iSCSI InitiatorNames.\n"
           "InitiatorName=" +
           initiator_name + "\n";
}

std::string parse_initiator_name_file(const std::string& text) {
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) {
            end = text.size();
        }
        const auto line = text.substr(start, end - start);
        if (line.rfind("InitiatorName=", 0) == 0) {
            return line.substr(14);
        }
        start = end + 1;
    }
    return {};
}

std::string wwids_file(const HostState& state) {
    std::string out =
        "# Multipath wwids, Version : 1.0\n"
        "# NOTE: This file is automatically maintained by multipath and multipathd.\n"
        "# You should not need to edit this file in normal circumstances.\n"
        "#\n"
        "# Valid WWIDs:\n";
    for (const auto& wwid : state.wwids) {
        out += "/" + wwid + "/\n";
    }
    return out;
}

}  // namespace brick::sim
