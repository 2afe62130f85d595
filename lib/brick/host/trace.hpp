#pragma once
// The trace format (version 1): one JSON object per line, written by
// RecordingHost, the simulator and the scenario runner alike. See docs/trace-format.md.
//
//   {"v":1,"seq":7,"t_ms":120,"task":"login-1","kind":"run",
//    "argv":["iscsiadm","-m","session"],"input":"","exit":0,"out":"...","err":""}
//
// Every string value is passed through mask_secrets() before it is written.

#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string_view>

#include "brick/host/host.hpp"

namespace brick {

inline constexpr int trace_format_version = 1;

class TraceWriter {
  public:
    explicit TraceWriter(std::ostream& out) : out_(out) {}

    // Adds "v" and "seq" (and "task" unless present), masks secrets, writes one line.
    void write(const nlohmann::json& record);

    std::uint64_t records_written() const;

  private:
    std::ostream& out_;
    mutable std::mutex mutex_;
    std::uint64_t seq_ = 0;
};

// Returns a copy of value with every string masked (recursively), and with the
// values of secret-named keys replaced by "***".
nlohmann::json mask_json(const nlohmann::json& value);

// The symbolic name of an errno value ("ENOENT"), or "E<number>".
std::string errno_name(int error);

// The name of a file type in `stat` records: missing, file, dir, link, block,
// char, other.
std::string_view file_type_name(FileType type);

}  // namespace brick
