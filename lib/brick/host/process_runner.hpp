#pragma once
// Runs one program: argument vector, stdin input, captured stdout/stderr, and
// a hard deadline (the program's whole process group is killed when it
// passes). Started with posix_spawn, never through a shell. Used by RealHost only.

#include <string>

#include "brick/host/host.hpp"

namespace brick {

CommandResult run_process(const std::string& program, const Command& command);

}  // namespace brick
