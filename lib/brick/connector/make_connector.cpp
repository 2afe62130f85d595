#include "brick/connector/connector.hpp"
#include "brick/connector/openable.hpp"
#include "brick/core/error.hpp"
#include "brick/encryption/encrypted_connector.hpp"
#include "brick/fc/connector.hpp"
#include "brick/iscsi/connector.hpp"
#include "brick/local/connector.hpp"
#include "brick/nfs/connector.hpp"
#include "brick/nvmeof/connector.hpp"
#include "brick/rbd/connector.hpp"

namespace brick {

std::unique_ptr<Connector> make_connector(Protocol protocol, Host& host,
                                          const ConnectorOptions& options) {
    std::unique_ptr<Connector> block;
    switch (protocol) {
        case Protocol::iscsi:
            block = iscsi::make_connector(host, options, false);
            break;
        case Protocol::iser:
            block = iscsi::make_connector(host, options, true);
            break;
        case Protocol::nvmeof:
            block = nvmeof::make_connector(host, options);
            break;
        case Protocol::fibre_channel:
            block = fc::make_connector(host, options);
            break;
        case Protocol::rbd:
            block = rbd::make_connector(host, options);
            break;
        case Protocol::local:
            block = local::make_connector(host, options);
            break;
        // An encrypted NFS volume is a LUKS image file that QEMU opens itself.
        case Protocol::nfs:
            return nfs::make_connector(host, options);
        default:
            break;
    }
    if (!block) {
        throw Error(ErrorCategory::not_supported, "the " + std::string(protocol_name(protocol)) +
                                                      " connector is not available in this build");
    }
    return encryption::wrap_encrypted(wrap_openable(std::move(block), host, options), host,
                                      options);
}

}  // namespace brick
