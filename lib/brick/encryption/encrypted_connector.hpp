#pragma once
// Encrypted volumes (data.encrypted: true) on any block protocol: connect
// attaches the volume, then opens LUKS on it and returns
// /dev/mapper/crypt-<name>; disconnect closes the mapping before detaching.
// Without a passphrase an encrypted volume is refused before anything
// changes on the host (an attach that handed out ciphertext as a disk would
// be worse than none). os-brick splits this between the connector and its
// encryptors, and repoints the attached path's symlink at the mapping; here
// the mapping's path is what connect returns.

#include <memory>

#include "brick/connector/connector.hpp"

namespace brick::encryption {

std::unique_ptr<Connector> wrap_encrypted(std::unique_ptr<Connector> inner, Host& host,
                                          const ConnectorOptions& options);

// Whether the data dict says the volume is encrypted (data.encrypted).
bool is_encrypted(const nlohmann::json& data);

}  // namespace brick::encryption
