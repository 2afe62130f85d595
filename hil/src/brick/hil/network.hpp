#pragma once
// Guest networks. A guest has no network device unless its options ask for one:
//
//  - a link: one end of a point-to-point Ethernet cable between two guests. The
//    runner makes two UDP sockets on 127.0.0.1, connected to each other, and
//    hands each QEMU one of them (`-netdev dgram,local.type=fd`), so no port is
//    chosen, none can clash and no frame leaves the host's loopback. The guests
//    put their own private subnet on it (hil/guest/pair.sh: 10.99.N.0/24).
//  - a forward: QEMU's user network with restrict=on (no route out of the
//    guest), where a guest address:port is forwarded to a port on 127.0.0.1 of
//    the network namespace QEMU runs in (guestfwd with `cmd:`, one
//    `busybox nc` per connection).

#include <array>
#include <string>
#include <vector>

namespace brick::hil {

// Two connected UDP sockets on 127.0.0.1: end(0) and end(1) of one cable.
class Link {
  public:
    Link();  // throws brick::Error (host_error) when the sockets cannot be made
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;
    Link(Link&& other) noexcept;
    Link& operator=(Link&& other) noexcept;
    ~Link();
    int end(int side) const { return fds_.at(side); }

  private:
    std::array<int, 2> fds_{-1, -1};
};

// The guest's NIC on a link: the socket QEMU inherits and the NIC's MAC.
struct LinkNic {
    int fd = -1;
    std::string mac;  // 52:54:00:99:LL:RR, LL the link index, RR the guest's role
};

// guest_address:guest_port (inside QEMU's user network, 10.0.2.0/24) -> 127.0.0.1:host_port.
struct Forward {
    std::string guest_address;
    int guest_port = 0;
    int host_port = 0;
};

// "52:54:00:99:LL:RR" for link `index` and a role number (1 target, 2 initiator).
std::string link_mac(int index, int role);

// The QEMU arguments of the guest's NICs: -netdev/-device pairs, or `-nic none`
// when there is none. Throws brick::Error (invalid_properties) for a forward
// outside 10.0.2.0/24 or a port outside 1..65535.
std::vector<std::string> nic_arguments(const std::vector<LinkNic>& links,
                                       const std::vector<Forward>& forwards);

}  // namespace brick::hil
