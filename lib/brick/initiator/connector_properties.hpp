#pragma once
// Connector properties: this host's initiator identity, handed to the storage
// service so it can export a volume to us (os-brick's get_connector_properties).

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "brick/host/host.hpp"

namespace brick {

struct ConnectorPropertiesRequest {
    std::string ip;                   // "ip": the address the service should use for us
    std::optional<std::string> host;  // "host": default the kernel hostname
    bool multipath = false;           // ask for multipath; true only if multipathd runs
    bool enforce_multipath = false;   // multipath is mandatory: error when multipathd is down
    bool create_missing_ids = false;  // write /etc/nvme/hostnqn and hostid when missing
    bool do_local_attach = false;     // RBD: attach through the kernel client
};

// Every key os-brick 6.1 returns, plus "nvme_hostid" and "enforce_multipath".
// A source that is missing leaves its key out and logs why; only an enforced
// multipath without a running multipathd is an error.
nlohmann::json get_connector_properties(Host& host, const ConnectorPropertiesRequest& request);

// Pieces, each reading one source through the host seam.
std::optional<std::string> read_initiator_iqn(Host& host);
std::optional<std::string> read_host_nqn(Host& host);
std::optional<std::string> read_host_id(Host& host);
std::optional<std::string> read_system_uuid(Host& host);
bool multipathd_running(Host& host);

}  // namespace brick
