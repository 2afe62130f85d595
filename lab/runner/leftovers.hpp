#pragma once
// What a scenario's volumes left on the host: sessions, node records, SCSI
// disks, multipath maps and udev links that belong to the fabric's targets.
// Read through the host seam, so the same check runs on the simulator and on
// a real kernel.

#include <set>
#include <string>
#include <vector>

#include "brick/host/host.hpp"
#include "scenario.hpp"

namespace brick::lab {

// One line per thing left behind; empty when the host is clean.
std::vector<std::string> find_leftovers(Host& host, const Scenario& scenario);

// NVMe-oF: controllers to any of nqns, namespace devices whose UUID or NGUID
// is in ids, and their udev links (nothing when nqns is empty).
void find_nvme_leftovers(Host& host, const std::set<std::string>& nqns,
                         const std::set<std::string>& ids, std::vector<std::string>& found);

}  // namespace brick::lab
