#pragma once
// nvmet, the Linux kernel's NVMe-oF target, configured from a scenario's
// fabric through configfs (/sys/kernel/config/nvmet): one subsystem per
// fabric subsystem, file namespaces (buffered_io, as a tmpfs file needs it)
// with the fabric's UUID and NGUID, one port per distinct portal, allowed
// hosts or any host. Needs the nvmet and nvmet-tcp modules loaded; an rdma
// port also nvmet-rdma and a Soft-RoCE device owning its address, which
// configure creates (soft_roce.hpp) and clear removes.
//
// Faults as a real target produces them:
//   portal_unreachable     every subsystem unlinked from the port: the port
//                          stops listening, connects are refused
//   controller_connecting  the subsystem unlinked from the port: its
//                          controllers reconnect in vain (`connecting`)
//   ana_inaccessible       ports/<id>/ana_groups/<g>/ana_state = inaccessible
//   namespace_removed      the namespace disabled and removed

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "brick/host/host.hpp"
#include "runner/scenario.hpp"
#include "soft_roce.hpp"

namespace brick::lab {

class NvmetTarget {
  public:
    NvmetTarget(Host& host, std::filesystem::path work_dir,
                const std::filesystem::path& root = "/sys/kernel/config/nvmet");

    // Creates the backing files and the configfs objects of the fabric.
    void configure(const Fabric& fabric);
    // Removes every object configure made, and the backing files.
    void clear();
    // Faults (params as the simulator takes them: "nqn", "portal", "nsid"),
    // and their end.
    void inject(const std::string& fault, const nlohmann::json& params);
    void heal(const std::string& fault);
    // Grows a namespace: its backing file, then revalidate_size (kernel 5.8
    // and later), which makes nvmet read the new size and send a
    // namespace-changed event to the connected hosts.
    void resize_namespace(const std::string& nqn, std::uint32_t nsid, std::uint64_t size_mib);

    // The nvmet port id of a portal ("tcp", 127.0.0.1:4420), 1, 2, ... in
    // the order the fabric names them.
    unsigned port_id(const NvmePortSpec& port) const;

  private:
    struct Link {
        unsigned port = 0;
        std::string nqn;
    };
    void write(const std::string& path, const std::string& value);
    void mkdir(const std::string& path);
    void rmdir(const std::string& path);
    void link(unsigned port, const std::string& nqn);
    void unlink(unsigned port, const std::string& nqn);
    bool selected(const nlohmann::json& params, const NvmeSubsystemSpec& subsystem,
                  const NvmePortSpec& port) const;

    Host& host_;
    std::filesystem::path work_dir_;
    std::string root_;
    const Fabric* fabric_ = nullptr;
    std::vector<NvmePortSpec> ports_;                       // index + 1 = port id
    std::vector<Link> unlinked_;                            // by faults, relinked by heal
    std::set<std::pair<unsigned, unsigned>> inaccessible_;  // (port, ANA group)
    SoftRoce soft_roce_;
};

}  // namespace brick::lab
