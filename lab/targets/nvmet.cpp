#include "nvmet.hpp"

#include <algorithm>
#include <fstream>

#include "brick/core/error.hpp"
#include "brick/core/log.hpp"
#include "brick/host/trace.hpp"

namespace brick::lab {
namespace fs = std::filesystem;

namespace {

constexpr Duration configfs_timeout{10000};

std::string backing_name(const std::string& nqn, std::uint32_t nsid) {
    return nvme_serial(nqn) + "-" + std::to_string(nsid) + ".img";
}

}  // namespace

NvmetTarget::NvmetTarget(Host& host, fs::path work_dir, const fs::path& root)
    : host_(host), work_dir_(std::move(work_dir)), root_(root.string()), soft_roce_(host) {}

void NvmetTarget::write(const std::string& path, const std::string& value) {
    const auto status = host_.write_file(path, value, configfs_timeout);
    if (!status.ok()) {
        throw Error(ErrorCategory::host_error,
                    "nvmet: writing " + value + " to " + path + ": " + errno_name(status.error));
    }
}

void NvmetTarget::mkdir(const std::string& path) {
    if (const auto status = host_.make_dirs(path); !status.ok()) {
        throw Error(ErrorCategory::host_error,
                    "nvmet: mkdir " + path + ": " + errno_name(status.error));
    }
}

// configfs objects go with rmdir(2), which the host seam has no call for.
void NvmetTarget::rmdir(const std::string& path) {
    if (host_.exists(path)) {
        host_.run(Command{{"rmdir", path}, {}, configfs_timeout});
    }
}

void NvmetTarget::link(unsigned port, const std::string& nqn) {
    const auto result =
        host_.run(Command{{"ln", "-s", root_ + "/subsystems/" + nqn,
                           root_ + "/ports/" + std::to_string(port) + "/subsystems/" + nqn},
                          {},
                          configfs_timeout});
    if (!result.ok()) {
        throw Error(ErrorCategory::host_error, "nvmet: linking " + nqn + " to port " +
                                                   std::to_string(port) + ": " + result.err);
    }
}

void NvmetTarget::unlink(unsigned port, const std::string& nqn) {
    host_.remove(root_ + "/ports/" + std::to_string(port) + "/subsystems/" + nqn);
}

unsigned NvmetTarget::port_id(const NvmePortSpec& port) const {
    for (std::size_t i = 0; i < ports_.size(); ++i) {
        if (ports_[i].portal == port.portal && ports_[i].transport == port.transport) {
            return static_cast<unsigned>(i + 1);
        }
    }
    return 0;
}

void NvmetTarget::configure(const Fabric& fabric) {
    fabric_ = &fabric;
    ports_.clear();
    unlinked_.clear();
    inaccessible_.clear();
    const auto backing = work_dir_ / "nvmet";
    fs::create_directories(backing);
    for (const auto& subsystem : fabric.nvme_subsystems) {
        const auto dir = root_ + "/subsystems/" + subsystem.nqn;
        mkdir(dir);
        write(dir + "/attr_serial",
              subsystem.serial.empty() ? nvme_serial(subsystem.nqn) : subsystem.serial);
        write(dir + "/attr_allow_any_host", subsystem.allow_any_host ? "1" : "0");
        for (const auto& host_nqn : subsystem.allowed_hosts) {
            mkdir(std::string(root_).append("/hosts/").append(host_nqn));
            const auto result =
                host_.run(Command{{"ln", "-s", root_ + "/hosts/" + host_nqn,
                                   std::string(dir).append("/allowed_hosts/").append(host_nqn)},
                                  {},
                                  configfs_timeout});
            if (!result.ok()) {
                throw Error(ErrorCategory::host_error,
                            "nvmet: allowing " + host_nqn + ": " + result.err);
            }
        }
        for (const auto& ns : subsystem.namespaces) {
            // A file on the guest's tmpfs: nvmet needs buffered I/O for it.
            const auto file = backing / backing_name(subsystem.nqn, ns.nsid);
            std::ofstream(file, std::ios::binary | std::ios::trunc).close();
            fs::resize_file(file, ns.size_mib * 1024 * 1024);
            const auto ns_dir = dir + "/namespaces/" + std::to_string(ns.nsid);
            mkdir(ns_dir);
            write(ns_dir + "/device_path", file.string());
            if (!ns.uuid.empty()) {
                write(ns_dir + "/device_uuid", ns.uuid);
            }
            if (!ns.nguid.empty()) {
                write(ns_dir + "/device_nguid", ns.nguid);
            }
            if (ns.ana_group != 1) {
                write(ns_dir + "/ana_grpid", std::to_string(ns.ana_group));
            }
            write(ns_dir + "/buffered_io", "1");
            write(ns_dir + "/enable", "1");
        }
        for (const auto& port : subsystem.ports) {
            if (port_id(port) == 0) {
                ports_.push_back(port);
                const auto id = std::to_string(ports_.size());
                const auto port_dir = root_ + "/ports/" + id;
                if (port.transport == "rdma") {
                    soft_roce_.add(port.portal.host);  // before the port binds its address
                }
                mkdir(port_dir);
                write(port_dir + "/addr_trtype", port.transport);
                write(port_dir + "/addr_adrfam", port.portal.is_ipv6() ? "ipv6" : "ipv4");
                write(port_dir + "/addr_traddr", port.portal.host);
                write(port_dir + "/addr_trsvcid", std::to_string(port.portal.port));
            }
        }
    }
    // ANA groups beyond the default one exist per port before a namespace uses them.
    for (const auto& subsystem : fabric.nvme_subsystems) {
        for (const auto& ns : subsystem.namespaces) {
            for (std::size_t p = 0; ns.ana_group != 1 && p < ports_.size(); ++p) {
                mkdir(root_ + "/ports/" + std::to_string(p + 1) + "/ana_groups/" +
                      std::to_string(ns.ana_group));
            }
        }
    }
    for (const auto& subsystem : fabric.nvme_subsystems) {
        for (const auto& port : subsystem.ports) {
            link(port_id(port), subsystem.nqn);
        }
    }
}

void NvmetTarget::clear() {
    if (fabric_ == nullptr) {
        return;
    }
    for (const auto& subsystem : fabric_->nvme_subsystems) {
        for (const auto& port : subsystem.ports) {
            unlink(port_id(port), subsystem.nqn);
        }
    }
    for (std::size_t p = 0; p < ports_.size(); ++p) {
        const auto port_dir = root_ + "/ports/" + std::to_string(p + 1);
        std::vector<std::string> groups;
        host_.list_dir(port_dir + "/ana_groups", groups);
        for (const auto& group : groups) {
            if (group != "1") {
                rmdir(std::string(port_dir).append("/ana_groups/").append(group));
            }
        }
        rmdir(port_dir);
    }
    for (const auto& subsystem : fabric_->nvme_subsystems) {
        const auto dir = root_ + "/subsystems/" + subsystem.nqn;
        for (const auto& host_nqn : subsystem.allowed_hosts) {
            host_.remove(std::string(dir).append("/allowed_hosts/").append(host_nqn));
            rmdir(std::string(root_).append("/hosts/").append(host_nqn));
        }
        for (const auto& ns : subsystem.namespaces) {
            const auto ns_dir = dir + "/namespaces/" + std::to_string(ns.nsid);
            if (host_.exists(ns_dir)) {
                host_.write_file(ns_dir + "/enable", "0", configfs_timeout);
                rmdir(ns_dir);
            }
        }
        rmdir(dir);
    }
    soft_roce_.clear();
    std::error_code ec;
    fs::remove_all(work_dir_ / "nvmet", ec);
    fabric_ = nullptr;
    ports_.clear();
}

void NvmetTarget::resize_namespace(const std::string& nqn, std::uint32_t nsid,
                                   std::uint64_t size_mib) {
    const auto* subsystem = fabric_ == nullptr ? nullptr : fabric_->find_nvme_subsystem(nqn);
    if (subsystem == nullptr || subsystem->find_namespace(nsid) == nullptr) {
        throw Error(ErrorCategory::device_not_found,
                    "nvmet: the subsystem " + nqn + " has no namespace " + std::to_string(nsid));
    }
    std::error_code ec;
    fs::resize_file(work_dir_ / "nvmet" / backing_name(nqn, nsid), size_mib * 1024 * 1024, ec);
    if (ec) {
        throw Error(ErrorCategory::host_error, "nvmet: growing the backing of " + nqn +
                                                   " namespace " + std::to_string(nsid) + ": " +
                                                   ec.message());
    }
    const auto attribute =
        root_ + "/subsystems/" + nqn + "/namespaces/" + std::to_string(nsid) + "/revalidate_size";
    if (!host_.exists(attribute)) {
        throw Error(ErrorCategory::not_supported,
                    "nvmet: " + attribute + " is missing (kernel 5.8 or later has it)");
    }
    write(attribute, "1");
}

bool NvmetTarget::selected(const nlohmann::json& params, const NvmeSubsystemSpec& subsystem,
                           const NvmePortSpec& port) const {
    return params.value("nqn", subsystem.nqn) == subsystem.nqn &&
           params.value("portal", port.portal.to_string()) == port.portal.to_string();
}

void NvmetTarget::inject(const std::string& fault, const nlohmann::json& params) {
    if (fabric_ == nullptr) {
        throw Error(ErrorCategory::internal, "nvmet is not configured");
    }
    if (fault == "namespace_removed") {
        const auto nqn = params.at("nqn").get<std::string>();
        const auto ns_dir = root_ + "/subsystems/" + nqn + "/namespaces/" +
                            std::to_string(params.at("nsid").get<unsigned>());
        write(ns_dir + "/enable", "0");
        rmdir(ns_dir);
        return;
    }
    for (const auto& subsystem : fabric_->nvme_subsystems) {
        for (const auto& port : subsystem.ports) {
            const auto id = port_id(port);
            // portal_unreachable takes every subsystem off the port (nvmet stops listening
            // on it); controller_connecting only the selected ones.
            const bool take_off =
                (fault == "portal_unreachable" &&
                 params.value("portal", port.portal.to_string()) == port.portal.to_string()) ||
                (fault == "controller_connecting" && selected(params, subsystem, port));
            if (take_off) {
                unlink(id, subsystem.nqn);
                unlinked_.push_back({id, subsystem.nqn});
            } else if (fault == "ana_inaccessible" && selected(params, subsystem, port)) {
                for (const auto& ns : subsystem.namespaces) {
                    const auto group = params.value("ana_group", ns.ana_group);
                    if (group == ns.ana_group && inaccessible_.insert({id, group}).second) {
                        write(root_ + "/ports/" + std::to_string(id) + "/ana_groups/" +
                                  std::to_string(group) + "/ana_state",
                              "inaccessible");
                    }
                }
            } else if (fault != "portal_unreachable" && fault != "controller_connecting" &&
                       fault != "ana_inaccessible") {
                throw Error(ErrorCategory::not_supported, "fault " + fault + " on nvmet");
            }
        }
    }
}

void NvmetTarget::heal(const std::string& fault) {
    if (fault == "portal_unreachable" || fault == "controller_connecting") {
        for (const auto& l : unlinked_) {
            link(l.port, l.nqn);
        }
        unlinked_.clear();
    } else if (fault == "ana_inaccessible") {
        for (const auto& [port, group] : inaccessible_) {
            write(root_ + "/ports/" + std::to_string(port) + "/ana_groups/" +
                      std::to_string(group) + "/ana_state",
                  "optimized");
        }
        inaccessible_.clear();
    }
}

}  // namespace brick::lab
