#pragma once
// The connector interface, one implementation per protocol (iscsi/, nvmeof/,
// fc/, ...). Inputs are the connection properties' data dict as the storage
// service sent it (never modified); outputs follow os-brick's shapes.

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "brick/host/host.hpp"
#include "brick/properties/common.hpp"

namespace brick {

// What connect returns: os-brick's device_info dict.
struct DeviceInfo {
    std::string type = "block";
    std::string path;  // as the host names it ("/dev/sdb", "/dev/dm-0", a by-path link)
    std::optional<std::string> scsi_wwn;
    std::optional<std::string> multipath_id;
    // The volume was asked for read-write (access_mode "rw") but the device
    // stayed read-only (the target exports it write-protected): connect
    // returns it anyway, as os-brick does, and says so here ("read_only":
    // true in the dict; absent otherwise). iSCSI and FC.
    bool read_only = false;

    nlohmann::json to_json() const;
    // Accepts os-brick's dict; unknown keys are ignored. Throws invalid_properties.
    static DeviceInfo from_json(const nlohmann::json& value);
};

// Which name of the device connect returns.
enum class LinkPreference { device, by_path, by_id };

struct ConnectorOptions {
    bool use_multipath = false;
    bool enforce_multipath = false;
    LinkPreference link = LinkPreference::device;
    // Overall deadline for the volume's device to appear (os-brick: up to 165 s).
    Duration device_timeout{20000};
    // Deadline for one program run (iscsiadm login, nvme connect, ...).
    Duration command_timeout{30000};
    // Deadline for a dm-multipath map to form before falling back (os-brick: 10 s).
    Duration multipath_timeout{10000};
    // iSCSI and FC with access_mode "rw": how long a device that shows
    // read-only is waited for before it is returned read-only (os-brick: five
    // checks over 15 s). See docs/scsi-access-mode.md.
    Duration read_write_timeout{15000};
    // NVMe-oF controller timeouts passed to the kernel at connect, in seconds:
    // ctrl_loss_tmo -1 never gives up reconnecting (os-brick's choice, so a
    // target failover never fails I/O); reconnect_delay between attempts;
    // keep_alive_tmo, the keep-alive timeout. A controller that exists already
    // keeps the values it was created with. Ranges: nvmeof::check_timeouts();
    // `brick connect --nvme-ctrl-loss-tmo`, `--nvme-reconnect-delay`,
    // `--nvme-keep-alive-tmo`.
    int nvme_ctrl_loss_tmo = -1;
    int nvme_reconnect_delay = 10;
    int nvme_keep_alive_tmo = 5;
    // NFS: where shares are mounted (os-brick's nfs_mount_point_base), each
    // at <base>/<md5 hex of the export>, and the mount options given to every
    // mount (os-brick's nfs_mount_options, "-o" syntax without the "-o").
    std::string mount_point_base = "/var/lib/brick/mnt";
    std::string nfs_mount_options;
    // Encrypted volumes (data.encrypted): the LUKS passphrase, registered as a
    // secret. Without one, connecting an encrypted volume is refused before
    // anything changes on the host. luks_format is the LUKS version a blank
    // volume is formatted with on first use: "luks" (LUKS1, os-brick's
    // LuksEncryptor) or "luks2".
    std::optional<std::string> encryption_passphrase;
    std::string luks_format = "luks";
    // PBKDF time a blank volume's LUKS key slot is calibrated to (cryptsetup
    // --iter-time); 0: cryptsetup's default (2 s for LUKS1). Each later open
    // costs about that time. Lower only where key derivation time matters
    // more than brute-force cost (tests under emulation).
    Duration luks_iter_time{0};
    // false: encrypted volumes are attached as they are and the caller opens
    // LUKS itself (os-brick's API: Nova calls the encryptor after connect).
    bool open_encrypted = true;
};

struct DisconnectOptions {
    bool force = false;          // carry on past errors, report them all at the end
    bool ignore_errors = false;  // do not raise
};

class Connector {
  public:
    Connector() = default;
    Connector(const Connector&) = delete;
    Connector& operator=(const Connector&) = delete;
    Connector(Connector&&) = delete;
    Connector& operator=(Connector&&) = delete;
    virtual ~Connector() = default;

    virtual DeviceInfo connect(const nlohmann::json& data) = 0;
    virtual void disconnect(const nlohmann::json& data, const DeviceInfo& device,
                            const DisconnectOptions& options) = 0;
    // Rescans the volume's paths and returns the new size in bytes.
    virtual std::uint64_t extend(const nlohmann::json& data) = 0;
    // The device paths this volume has or would have, without logging in.
    virtual std::vector<std::string> paths(const nlohmann::json& data) = 0;
    // Whether the volume is attached on this host now, asked before a connect
    // (a connect that fails then leaves it attached); nullopt when the
    // connector cannot tell better than by its paths existing.
    virtual std::optional<bool> attached(const nlohmann::json& /*data*/) { return std::nullopt; }
};

// The connector for a protocol; throws not_supported for protocols not built yet.
// Block protocols come wrapped so that the device connect returns can be opened
// (openable.hpp) and encrypted volumes (data.encrypted) are opened with LUKS
// after attach and closed before detach (encryption/).
std::unique_ptr<Connector> make_connector(Protocol protocol, Host& host,
                                          const ConnectorOptions& options);

}  // namespace brick
