#pragma once
// What the fake multipath and multipathd share: a path's states and a map's
// topology listing, as multipath-tools 0.9.4 prints them.

#include <string>

#include "sim/model/model.hpp"

namespace brick::sim {

struct PathStates {
    std::string dm;       // active, failed
    std::string checker;  // ready, faulty, undef
    std::string device;   // running, offline
};

// checked: whether a path checker ran (multipath -ll, multipathd), not -l.
PathStates path_states(const ScsiDevice& device, bool checked);

// One map as `multipath -ll` (long_form) or `multipath -l` prints it.
std::string multipath_topology(const Model& model, const MultipathMap& map, bool long_form);

}  // namespace brick::sim
