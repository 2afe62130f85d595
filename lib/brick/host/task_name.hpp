#pragma once
// The name of the task the calling thread runs, for traces and logs.

#include <string>

namespace brick {

const std::string& current_task_name();
void set_current_task_name(std::string name);

}  // namespace brick
