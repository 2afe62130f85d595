#pragma once
// The invariant checker: it watches a simulated run from inside the
// simulator (SimObserver) and reports every broken promise of the library as
// a typed finding. What it reasons over:
//   - the model's typed state (sessions, SCSI devices, maps, multipathd's
//     path table, NVMe controllers and namespaces, md arrays, volume contents);
//   - the actions the host performed for each operation (actions.hpp), each
//     attributed to the operation whose task (or a task it started, even
//     one that outlives it) asked;
//   - what the caller says about each operation: begin, end and outcome, and
//     the data it wrote through a volume's device.
//
// The rules (Rule):
//   wrong_device     connect returned a device whose identity (WWID, NVMe
//                    UUID/NGUID, md legs) is not the volume's
//   foreign_object   an operation flushed, deleted, logged out or disconnected
//                    a device, session, node record, map, controller or array
//                    of another volume (or a wildcard scan added every LUN)
//   removal_order    an operation deleted a SCSI device multipathd used as a
//                    path without asking multipathd to let it go first
//   leftover         after a disconnect (forced or not) something of the
//                    volume remained: sessions and node records of its paths,
//                    SCSI devices, maps, controllers,
//                    namespaces, arrays, udev links, records it created
//   data_lost        data written before a disconnect without force was lost
//                    or is not what the volume reads after the next connect
//   deadline         an operation outlived its deadline
//   library_error    an operation failed with an internal error
//
// Contract: construct it on the host's main task before the run, call
// begin()/end() on the task that runs each operation, and destroy it before
// the host. Every method runs on the task holding the scheduler's baton, so
// no lock is needed.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "brick/connector/connector.hpp"
#include "brick/core/error.hpp"
#include "sim/host/sim_host.hpp"

namespace brick::sim::check {

enum class Rule {
    wrong_device,
    foreign_object,
    removal_order,
    leftover,
    data_lost,
    deadline,
    library_error,
};

std::string_view rule_name(Rule rule);

struct Finding {
    Rule rule = Rule::leftover;
    std::uint64_t step = 0;  // the host interaction (model step) at which it was seen
    std::int64_t t_ms = 0;   // virtual time then
    std::string operation;   // "disconnect vol1 (force)", or what the caller named
    std::string evidence;    // what was seen, secrets masked

    std::string to_string() const;
    nlohmann::json to_json() const;
};

// One path a volume's connect may use: the iSCSI target (IQN) or NVMe
// subsystem (NQN) and the portal.
struct VolumePath {
    std::string target;
    Portal portal;
};

// A volume as the checker knows it.
struct VolumeRef {
    std::string name;
    // The fabric volumes behind it (one, or one per RAID1 leg).
    std::set<std::string> backing;
    std::string wwid;  // iSCSI: the volume's SCSI identity (scsi_id); empty for NVMe-oF
    std::optional<std::uint64_t> lun;  // iSCSI: its LUN number
    std::vector<VolumePath> paths;     // every path its connect may use
    std::string md_alias;              // NVMe-oF replicas: the RAID1's name
    // Whether the data written through its device is compared with the
    // target's copy: not for encrypted volumes (the target holds ciphertext)
    // nor volumes without fabric volumes behind them.
    bool follow_data = true;
};

enum class OperationKind { connect, disconnect, extend };

struct Operation {
    OperationKind kind = OperationKind::connect;
    std::string volume;
    bool force = false;
    bool ignore_errors = false;
    std::int64_t budget_ms = 0;  // its deadline: it ends within this much virtual time
};

struct Outcome {
    std::optional<ErrorCategory> error;  // nullopt: it succeeded
    std::string message;
    std::optional<DeviceInfo> device;  // what a connect returned
};

class Checker final : public SimObserver {
  public:
    Checker(SimHost& host, std::vector<VolumeRef> volumes);
    ~Checker() override;

    // An operation of the library begins on the calling task (and the tasks
    // it starts); returns its id for end().
    int begin(const Operation& operation);
    void end(int id, const Outcome& outcome);
    // The caller wrote bytes at offset 0 of the volume's device (not flushed),
    // or a write failed part-way (its content is unknown).
    void wrote(const std::string& volume, std::string bytes);
    void write_failed(const std::string& volume);
    // Nothing that any volume's operations created remains on the host
    // (call after every volume's last disconnect). why names the moment.
    void check_clean(const std::string& why);

    const std::vector<Finding>& findings() const { return findings_; }
    // The findings since the last call.
    std::vector<Finding> new_findings();
    // Disconnects whose leftover check was waived because the host refused a
    // removal (forced or ignore_errors, see end()).
    std::uint64_t waived_leftover_checks() const { return waived_; }

    void on_action(const HostAction& action, int task) override;
    void after_interaction(int task) override;

  private:
    struct VolumeState {
        VolumeRef ref;
        bool attached = false;
        int busy = 0;  // operations in progress
        // What the volume must read: the last complete write (unknown after
        // a write failed part-way, or a forced disconnect that may have
        // dropped it unflushed); on_target once a disconnect without force
        // succeeded after it.
        std::optional<std::string> expected;
        bool on_target = true;
        std::uint64_t written_step = 0;
        std::set<std::string> created_files;
    };
    struct Active {
        Operation operation;
        int task = 0;
        std::int64_t start_ms = 0;
        std::uint64_t start_step = 0;
        std::map<std::string, std::uint64_t> lost_before;  // lost blocks per backing volume
        unsigned refusals = 0;
        bool deadline_reported = false;
        // Disks this operation asked multipathd to let go (`del path`).
        std::set<std::string> released_paths;
        // The tasks started while it ran: ids from first_task to before
        // end_task (-1 while it runs). One may outlive it (a multipath path
        // still coming when the connect returned): its work stays this
        // operation's.
        int first_task = 0;
        int end_task = -1;
    };

    void add(Rule rule, const std::string& operation, const std::string& evidence);
    std::string describe(const Operation& operation) const;
    Active* operation_of(int task);
    VolumeState& volume(const std::string& name);
    const VolumeState* owner_of(const std::string& fabric_volume) const;
    // Another volume, attached or in an operation, uses path (or, with
    // any_portal, any portal of its target).
    bool in_use_by_other(const std::string& name, const VolumePath& path,
                         bool any_portal = false) const;
    bool served(const VolumeState& volume) const;
    std::uint64_t lost_blocks(const VolumeState& volume) const;
    std::optional<std::string> device_name(const std::string& path) const;
    std::optional<std::set<std::string>> carried(const std::string& device) const;
    void check_foreign(Active& active, const HostAction& action);
    void check_connect(const Active& active, const Outcome& outcome);
    void check_disconnect(const Active& active, const Outcome& outcome);
    std::vector<std::string> leftovers_of(const VolumeState& volume) const;

    SimHost& host_;
    std::map<std::string, VolumeState> volumes_;
    std::map<int, Active> active_;
    // Ended operations that started tasks, for what those still do.
    std::map<int, Active> ended_;
    int next_id_ = 1;
    std::vector<Finding> findings_;
    std::size_t reported_ = 0;
    unsigned wildcard_scans_ = 0;
    std::uint64_t waived_ = 0;
};

}  // namespace brick::sim::check
