#pragma once
// What a job folder asks of the runner beyond one plain guest: its optional
// `hil.json`. Without that file a job is one guest with no network device.
//
//   {"topology": "pair", "links": 2,
//    "target":    {"script": "target.sh", "smp": 1, "memory_mb": 768},
//    "initiator": {"script": "initiator.sh"}}
//
// two guests joined by `links` point-to-point links (network.hpp), each
// running its own script from the folder as its job.sh, with a folder both
// mount at /pair; or
//
//   {"host_script": "host.sh",
//    "forwards": [{"guest": "10.0.2.100:3260", "host_port": 3260}]}
//
// one guest whose user network forwards guest addresses to 127.0.0.1 ports of a
// fresh network namespace on the host, where host.sh runs for the whole boot
// (host_side.hpp).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "brick/hil/network.hpp"

namespace brick::hil {

enum class Topology { single, pair };

struct GuestSpec {
    std::string script;            // a file in the job folder, run as the guest's job.sh
    std::optional<int> smp;        // unset: the runner's default (--smp)
    std::optional<int> memory_mb;  // unset: the runner's default (--mem)
};

struct JobSpec {
    Topology topology = Topology::single;
    int links = 0;  // pair: 1..4
    GuestSpec target;
    GuestSpec initiator;
    std::string host_script;  // single: run on the host for the whole boot
    std::vector<Forward> forwards;
};

// Reads job/hil.json (a default spec when job is a script or has no hil.json).
// Throws brick::Error (invalid_properties) naming the field that is wrong.
JobSpec read_job_spec(const std::filesystem::path& job);

}  // namespace brick::hil
