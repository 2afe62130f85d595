#pragma once
// Runs one program with Boost.Process: argument vector, stdin input, captured
// stdout/stderr, and a hard deadline enforced by an asio timer (the whole
// process group is killed when it expires). Used by RealHost only.

#include <string>

#include "brick/host/host.hpp"

namespace brick {

CommandResult run_process(const std::string& program, const Command& command);

}  // namespace brick
