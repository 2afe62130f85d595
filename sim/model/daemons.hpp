#pragma once
// The host daemons a scenario can kill and start again (iscsid, multipathd),
// as a crash and a restart show on a real host. Killing one takes nothing of
// the kernel's with it: sessions, SCSI disks and dm maps stay, and so do the
// node database and the wwids file. While it is down its clients fail as the
// real ones do (iscsiadm login and discovery exit 20, a logout fails per
// session and exits 21, as open-iscsi 2.1.8 does; multipathd
// commands find no socket). A started daemon answers daemon_start_ms later
// (virtual time): iscsid then takes the kernel's sessions over one at a time,
// multipathd rebuilds its path table from the maps it finds and takes the
// disks whose WWID the wwids file knows into maps, as its startup scan does.

#include <optional>
#include <string_view>

#include "sim/model/model.hpp"

namespace brick::sim {

enum class Daemon { iscsid, multipathd };

// "iscsid" or "multipathd"; nullopt for any other name.
std::optional<Daemon> daemon_from_name(std::string_view name);
bool daemon_running(const Model& model, Daemon daemon);
// SIGKILL: the daemon is gone at once.
void kill_daemon(Model& model, Daemon daemon);
// Starts a daemon that is down; it answers after the fabric's daemon_start_ms.
// A running daemon is left alone. A started iscsid then takes the kernel's
// sessions over one at a time (login_ms each): until it has one it refuses
// its logout ("session not found") and shows no state of it.
void start_daemon(Model& model, Daemon daemon);
// Whether iscsid has every session of the kernel (always, unless it was
// killed and has not taken them all over since).
bool iscsid_has_every_session(const Model& model);

}  // namespace brick::sim
