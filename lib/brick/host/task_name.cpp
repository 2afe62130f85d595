#include "brick/host/task_name.hpp"

#include <optional>
#include <utility>

namespace brick {
namespace {
// Unset until the thread is given a name: an empty optional is constructed
// without allocating, so creating a thread cannot throw here.
thread_local std::optional<std::string> task_name;
}  // namespace

const std::string& current_task_name() {
    static const std::string unnamed = "main";
    return task_name ? *task_name : unnamed;
}
void set_current_task_name(std::string name) {
    task_name = std::move(name);
}

}  // namespace brick
