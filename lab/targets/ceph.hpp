#pragma once
// A single-node Ceph cluster in the guest (one monitor on 127.0.0.1:6789 and one
// memstore OSD, started by the guest job with hil/guest/ceph.sh, which also
// creates the scenarios' pools and cephx users): this target creates the
// scenario's RBD images with Ceph's C++ `rbd` tool and the cluster's admin key,
// and removes them afterwards.

#include <string>
#include <vector>

#include "brick/host/host.hpp"
#include "runner/scenario.hpp"

namespace brick::lab {

class CephCluster {
  public:
    // conf: the cluster's admin ceph.conf (its keyring line names the admin key).
    CephCluster(Host& host, std::string conf);

    // Why this cluster cannot serve the fabric (monitors elsewhere than
    // 127.0.0.1:6789, no RBD cluster at all), or empty.
    static std::string unsupported(const Fabric& fabric);

    // Creates the fabric's images (format 2, layering only: every kernel client
    // maps those).
    void configure(const Fabric& fabric);
    // Removes the images configure created.
    void clear();

  private:
    void run(std::vector<std::string> argv);

    Host& host_;
    std::string conf_;
    std::vector<std::string> created_;  // pool/image
};

}  // namespace brick::lab
