#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "brick/fc/connector.hpp"
#include "brick/iscsi/connector.hpp"
#include "brick/nvmeof/connector.hpp"

namespace brick {

std::unique_ptr<Connector> make_connector(Protocol protocol, Host& host,
                                          const ConnectorOptions& options) {
    switch (protocol) {
        case Protocol::iscsi: return iscsi::make_connector(host, options, false);
        case Protocol::iser: return iscsi::make_connector(host, options, true);
        case Protocol::nvmeof: return nvmeof::make_connector(host, options);
        case Protocol::fibre_channel:
            return fc::make_connector(host, options);
        default: break;
    }
    throw Error(ErrorCategory::not_supported,
                "the " + std::string(protocol_name(protocol)) +
                    " connector is not available in this build");
}

}  // namespace brick
