#pragma once
// Soft-RoCE (rdma_rxe) for RDMA portals on a real kernel: an RDMA device that
// owns the portal's address, so nvmet-rdma can bind it and nvme-rdma can
// connect to it with no traffic leaving the kernel.
//
// For an address no RDMA device has yet, in 10.98.0.0/16 only (the scenario
// schema's soft_roce_portal): a dummy network device carrying the address
// (/32) and an rxe link on it (`rdma link add NAME type rxe
// netdev DEV`), then a wait until the address is in the device's GID table
// (nvmet-rdma's bind fails with -EADDRNOTAVAIL before). clear() deletes what
// add() created, the rxe link first.
//
// Loopback is refused: rxe cannot sit on `lo`, and with rxe on another device
// nvmet-rdma binds 127.0.0.1 but the host's connect fails
// (rdma_resolve_route -110, then ENODEV), measured on Debian's 6.1 kernel.
// Needs the rdma_rxe and dummy modules (or their autoloading), `ip` and
// `rdma` (iproute2). Meant for a guest or a network namespace the project
// owns: the address is added to the running kernel.

#include <string>
#include <vector>

#include "brick/host/host.hpp"

namespace brick::lab {

class SoftRoce {
  public:
    explicit SoftRoce(Host& host) : host_(host) {}

    // Makes sure an RDMA device owns ADDRESS (an IP address, no brackets).
    // Throws brick::Error: not_supported for loopback, an address that is not
    // an IP address or one outside 10.98.0.0/16 that no RDMA device owns yet;
    // host_error when a tool fails or the GID never shows.
    void add(const std::string& address);
    // Deletes the rxe links and dummy devices add() created.
    void clear();

    // The RDMA devices whose GID table holds ADDRESS (rxe0, ...).
    std::vector<std::string> devices_with(const std::string& address);

  private:
    void run(const std::vector<std::string>& argv);

    struct Created {
        std::string netdev;
        std::string rdma_link;
    };
    Host& host_;
    std::vector<Created> created_;
};

// The RoCE GID text of an IP address as /sys/class/infiniband/*/ports/N/gids/M
// shows it: IPv4 as ::ffff:a.b.c.d, eight groups of four hex digits. Empty for
// something that is not an IP address.
std::string roce_gid(const std::string& address);

}  // namespace brick::lab
