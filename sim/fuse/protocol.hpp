#pragma once
// The socket protocol between the fake tools (brick-sim-tool) and the
// simulator daemon: one request and one reply per connection, each a frame of
// a 4-byte big-endian length followed by that many bytes of JSON.
//
//   request  {"op":"run","argv":["iscsiadm","-m","session"],"input":""}
//   reply    {"exit":0,"out":"...","err":"...","not_found":false}
//   request  {"op":"ping"}                      reply {"ok":true,"pid":N}
//   request  {"op":"status"}                    reply the model's state (SimDaemon::status)
//   request  {"op":"inject","fault":{...}}      reply {"id":N} or {"error":"..."}
//   request  {"op":"stop"}                      reply {"ok":true}, then the daemon exits
//
// A run that a tool_hangs fault holds gets no reply: the client waits until it
// is killed, as a hung program would.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace brick::sim::wire {

// Frames larger than this are refused.
inline constexpr std::size_t max_frame = 64U << 20U;

// Writes one frame; false on error (errno set).
bool send_frame(int fd, const nlohmann::json& message);
// Reads one frame; nullopt on end of stream, error or malformed JSON.
std::optional<nlohmann::json> receive_frame(int fd);
// Connects to a unix socket path (long paths through /proc/self/fd); -1 on error.
int connect_unix(const std::string& path);

// The socket path a copy of brick-sim-tool carries: the copy ends with the
// path, its length (4 bytes, big-endian) and this 8-byte marker.
inline constexpr std::string_view trailer_magic = "BRKSIMS1";
// Appends the trailer naming socket_path to file; false on error.
bool append_trailer(const std::string& file, const std::string& socket_path);
// The socket path in the trailer of file, if it has one.
std::optional<std::string> read_trailer(const std::string& file);

}  // namespace brick::sim::wire
