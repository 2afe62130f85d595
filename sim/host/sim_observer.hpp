#pragma once
// Something that watches a simulated run from inside the simulator (the
// invariant checker, sim/check/): it is told of every flush or removal the
// host performed (actions.hpp) and of every interaction served, each with the
// id of the task that asked (SimHost::current_task, parent_task).
//
// Callbacks run on the task that made the call, while it holds the
// scheduler's baton: an observer may read the model but must not call the
// host (that would be an interaction of its own).

#include "sim/model/actions.hpp"

namespace brick::sim {

class SimObserver {
  public:
    SimObserver() = default;
    SimObserver(const SimObserver&) = delete;
    SimObserver& operator=(const SimObserver&) = delete;
    SimObserver(SimObserver&&) = delete;
    SimObserver& operator=(SimObserver&&) = delete;
    virtual ~SimObserver() = default;

    virtual void on_action(const HostAction& action, int task) = 0;
    virtual void after_interaction(int task) = 0;
};

}  // namespace brick::sim
