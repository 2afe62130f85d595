#pragma once
// Text forms of host files the model owns, shared by the fake tools and the
// file views: iSCSI node records, /etc/iscsi/initiatorname.iscsi, the
// multipath wwids file.

#include <string>

#include "sim/model/host_state.hpp"

namespace brick::sim {

// `iscsiadm -m node -T .. -p .. -o show` and the record file; passwords are
// "********" unless show_secrets.
std::string node_record_text(const NodeRecord& node, bool show_secrets);
std::string initiator_name_file(const std::string& initiator_name);
// The InitiatorName= value of such a file; empty when none.
std::string parse_initiator_name_file(const std::string& text);
std::string wwids_file(const HostState& state);

}  // namespace brick::sim
