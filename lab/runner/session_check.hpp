#pragma once
// The "sessions" check of a scenario: which iSCSI volumes have their sessions
// and node records, read through the host seam (sysfs and iscsiadm), so the
// same check runs on the simulator and on a real kernel.
//
//   {"check": "sessions", "params": {"logged_in": ["vol1"], "logged_out": ["vol2"],
//                                    "unscanned": ["vol1"]}}
//
// logged_in: every portal of the volume's connection properties has a
// LOGGED_IN session to its target over the volume's transport (the SCSI
// host's driver: iscsi_tcp for tcp, iscsi_iser for iser) and a node record
// with node.startup automatic and iface.transport_name that transport.
// logged_out: no session to its target at any of those portals, and no node
// record there with node.startup automatic (deleted, or manual).
// unscanned: its LUN has no SCSI device in the sessions to those portals.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "brick/host/host.hpp"
#include "scenario.hpp"

namespace brick::lab {

// One line per thing not as the check expects; empty when all is.
std::vector<std::string> check_sessions(Host& host, const Scenario& scenario,
                                        const nlohmann::json& params);

}  // namespace brick::lab
