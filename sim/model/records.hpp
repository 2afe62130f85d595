#pragma once
// Text forms of host files the model owns, shared by the fake tools and the
// file views: iSCSI node records, /etc/iscsi/initiatorname.iscsi, the
// multipath wwids file.

#include <string>
#include <vector>

#include "sim/model/host_state.hpp"

namespace brick::sim {

// `iscsiadm -m node -T .. -p .. -o show` and the record file; passwords are
// "********" unless show_secrets.
std::string node_record_text(const NodeRecord& node, bool show_secrets);
// The order in which open-iscsi 2.1.8 walks the node database (`-m node`,
// `-o show`): each level's entries by name, byte by byte: the target name,
// then the record's entry in the target's folder ("ADDRESS,PORT" for a
// record made with --op new, "ADDRESS,PORT,TPGT" otherwise, so 127.0.0.1
// comes before 127.0.0.10 and port 3260 before 860), then the iface name.
// Not the order the records were made in.
void sort_node_records(std::vector<NodeRecord*>& nodes);
std::string initiator_name_file(const std::string& initiator_name);
// The InitiatorName= value of such a file; empty when none.
std::string parse_initiator_name_file(const std::string& text);
std::string wwids_file(const HostState& state);

}  // namespace brick::sim
