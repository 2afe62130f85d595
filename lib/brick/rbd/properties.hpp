#pragma once
// Ceph RBD connection properties, parsed and validated.

#include <string>
#include <vector>

#include "brick/properties/common.hpp"

namespace brick::rbd {

struct Properties {
    std::string pool;              // from name "pool/image"
    std::string image;             // may carry "@snapshot"
    std::vector<Portal> monitors;  // hosts zipped with ports
    std::string cluster_name = "ceph";
    bool auth_enabled = false;
    std::string auth_username;  // the cephx user without "client.", or empty
    std::string keyring;        // keyring file contents, registered as a secret, or empty
    std::string secret_type;    // libvirt secret type ("ceph"), or empty
    std::string secret_uuid;    // libvirt secret UUID, or empty
    std::string volume_id;
    bool do_local_attach = false;
    AccessMode access_mode = AccessMode::read_write;
    bool encrypted = false;

    std::string name() const { return pool + "/" + image; }
};

// Parses the data dict (see unwrap_connection_info); never modifies it.
// Registers the keyring and every key inside it as secrets.
Properties parse_properties(const nlohmann::json& data);

// The normalised properties as JSON, keyring masked (for `brick validate`).
nlohmann::json to_json(const Properties& properties);

}  // namespace brick::rbd
