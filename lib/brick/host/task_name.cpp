#include "brick/host/task_name.hpp"

namespace brick {
namespace {
thread_local std::string task_name = "main";
}

const std::string& current_task_name() {
    return task_name;
}
void set_current_task_name(std::string name) {
    task_name = std::move(name);
}

}  // namespace brick
