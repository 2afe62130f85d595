#pragma once
// The Linux kernel's NFS server (nfsd with rpcbind and rpc.mountd, Debian's
// nfs-kernel-server) exporting a scenario's NFS exports on 127.0.0.1: one
// folder per export under the work folder, bind-mounted at the export's path,
// its volume files made with their size, exported with exportfs. The daemons
// are started by the guest job (lab/runner/guest_run.cpp).

#include <filesystem>
#include <string>
#include <vector>

#include "brick/host/host.hpp"
#include "runner/scenario.hpp"

namespace brick::lab {

class NfsServer {
  public:
    NfsServer(Host& host, std::filesystem::path work_dir);

    // Creates the export folders and files and exports them.
    void configure(const Fabric& fabric);
    // Unexports and removes everything configure made.
    void clear();

  private:
    void run(std::vector<std::string> argv);
    // Unmounts a share's bind mount at path, if mounted (see nfsd.cpp).
    void unmount(const std::string& path);

    Host& host_;
    std::filesystem::path work_dir_;
    std::vector<std::string> exported_;  // export paths
};

}  // namespace brick::lab
