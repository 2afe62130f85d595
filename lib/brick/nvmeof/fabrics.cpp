#include "brick/nvmeof/fabrics.hpp"

#include <cerrno>

#include "brick/core/error.hpp"
#include "brick/host/trace.hpp"
#include "brick/host/wait.hpp"
#include "brick/nvmeof/connector.hpp"

namespace brick::nvmeof {

void check_timeouts(const ConnectorOptions& options, const TimeoutNames& names) {
    // 4294967 s is the largest keep-alive whose milliseconds fit the Connect
    // command's 32-bit KATO field; Linux multiplies without a check.
    constexpr int keep_alive_max = 4294967;
    if (options.nvme_ctrl_loss_tmo < -1) {
        throw_invalid(names.ctrl_loss_tmo,
                      "-1 (never give up reconnecting) or a number of seconds from 0, got " +
                          std::to_string(options.nvme_ctrl_loss_tmo));
    }
    if (options.nvme_reconnect_delay < 1) {
        throw_invalid(names.reconnect_delay, "a number of seconds from 1 (Linux refuses 0), got " +
                                                 std::to_string(options.nvme_reconnect_delay));
    }
    if (options.nvme_keep_alive_tmo < 1 || options.nvme_keep_alive_tmo > keep_alive_max) {
        throw_invalid(names.keep_alive_tmo,
                      "a number of seconds from 1 to " + std::to_string(keep_alive_max) +
                          " (0 turns keep-alive off, for debugging only), got " +
                          std::to_string(options.nvme_keep_alive_tmo));
    }
}

std::string connect_options(const std::string& subsystem_nqn, const TargetPortal& portal,
                            const HostIdentity& identity, const ConnectorOptions& options) {
    std::string text = "nqn=" + subsystem_nqn +
                       ",transport=" + std::string(transport_name(portal.transport)) +
                       ",traddr=" + portal.address + ",trsvcid=" + std::to_string(portal.port);
    if (!identity.nqn.empty()) {
        text += ",hostnqn=" + identity.nqn;
    }
    if (!identity.id.empty()) {
        text += ",hostid=" + identity.id;
    }
    text += ",ctrl_loss_tmo=" + std::to_string(options.nvme_ctrl_loss_tmo);
    text += ",reconnect_delay=" + std::to_string(options.nvme_reconnect_delay);
    text += ",keep_alive_tmo=" + std::to_string(options.nvme_keep_alive_tmo);
    return text;
}

void connect_portal(Host& host, const std::string& subsystem_nqn, const TargetPortal& portal,
                    const HostIdentity& identity, const ConnectorOptions& options) {
    const auto status = host.write_file("/dev/nvme-fabrics",
                                        connect_options(subsystem_nqn, portal, identity, options),
                                        options.command_timeout);
    if (status.ok() || status.error == EALREADY) {
        return;
    }
    const auto where = subsystem_nqn + " at " + std::string(transport_name(portal.transport)) +
                       ":" + portal.address + ":" + std::to_string(portal.port);
    switch (status.error) {
        case ECONNREFUSED:
        case ETIMEDOUT:
        case EHOSTUNREACH:
        case ENETUNREACH:
        case ECONNRESET:
            throw Error(ErrorCategory::target_unreachable,
                        "connecting to " + where + " failed: " + errno_name(status.error));
        case EKEYREJECTED:
        case EACCES:
        case EPERM:
            throw Error(ErrorCategory::authentication_failed,
                        "the target refused this host for " + where + " (" +
                            errno_name(status.error) + "): check the allowed hosts / host NQN");
        case EIO:
            // 6.1 reports a rejected Connect command as EIO.
            throw Error(ErrorCategory::login_failed,
                        "the target rejected the connect to " + where +
                            " (EIO): the host NQN is not allowed, or the subsystem is not "
                            "exported on that port");
        case EINVAL:
            throw Error(ErrorCategory::invalid_properties,
                        "the kernel refused the connect options for " + where + " (EINVAL)");
        case ENOENT:
            throw Error(ErrorCategory::not_supported,
                        "/dev/nvme-fabrics is missing: load the nvme-" +
                            std::string(transport_name(portal.transport)) + " module");
        default:
            throw Error(ErrorCategory::login_failed,
                        "connecting to " + where + " failed: " + errno_name(status.error));
    }
}

void delete_controller(Host& host, const Controller& controller, Duration deadline) {
    const auto path = "/sys/class/nvme/" + controller.name + "/delete_controller";
    const auto status = host.write_file(path, "1", deadline);
    if (!status.ok() && status.error != ENOENT) {
        throw Error(ErrorCategory::host_error,
                    "deleting controller " + controller.name + ": " + errno_name(status.error));
    }
    WaitHints hints;
    hints.watch_paths = {"/dev"};
    if (!wait_until(
            host, deadline, [&] { return !host.exists("/sys/class/nvme/" + controller.name); },
            hints)) {
        throw Error(ErrorCategory::timeout,
                    "the kernel did not remove controller " + controller.name);
    }
}

}  // namespace brick::nvmeof
