"""Nova 26's libvirt volume drivers, unmodified, driven from a guest job.

Runs as an unprivileged user (the job's `nova`), so brickworks' os_brick
package goes through Nova's root helper: with [workarounds] disable_rootwrap
Nova's root helper is plain `sudo`, and the job's sudoers rule lets `nova` run
the `brick` tool, nothing else. One long-lived process (importing Nova costs
many seconds under TCG): one command per line on stdin, one JSON line per
command on stdout.

    connect KIND        KIND: iscsi | nvme; prints {"device_path": ...}
    disconnect KIND     prints {"disconnected": KIND}
    hostile KIND        connects with a dict no storage service should send;
                        prints {"refused": "<exception class>", "message": ...}

What is stubbed, as in python/tests/test_nova.py: the configuration (Nova's
defaults, parsed from no file, plus disable_rootwrap), the libvirt host (no
secrets; any other use fails), the instance (log context only).
"""

import json
import os
import sys

import nova.conf
from nova.virt.libvirt.volume import iscsi as nova_iscsi
from nova.virt.libvirt.volume import nvme as nova_nvme

CONF = nova.conf.CONF
INSTANCE = {"uuid": "3c1e9a57-8d2b-4f60-a1c4-7e5b2d9f0a13"}


class UnusedLibvirtHost:
    """Stands in for nova.virt.libvirt.host.Host: no secrets, nothing else."""

    def find_secret(self, usage_type, usage_id):
        return None

    def __getattr__(self, name):
        raise AssertionError(f"the volume driver used the libvirt host: {name}")


def iscsi_data():
    return {"target_portal": os.environ["NOVA_ISCSI_PORTAL"],
            "target_iqn": os.environ["NOVA_ISCSI_IQN"], "target_lun": 0,
            "target_discovered": False, "volume_id": "vol-nova-iscsi",
            "access_mode": "rw"}


def nvme_data():
    return {"target_nqn": os.environ["NOVA_NVME_NQN"],
            "vol_uuid": os.environ["NOVA_NVME_UUID"],
            "portals": [["127.0.0.1", 4420, "tcp"]], "volume_replicas": None,
            "access_mode": "rw"}


HOSTILE = {
    "iscsi": lambda: dict(iscsi_data(), target_iqn=os.environ["NOVA_ISCSI_IQN"] +
                          ";touch /tmp/nova-hostile"),
    "nvme": lambda: dict(nvme_data(), target_nqn="$(touch /tmp/nova-hostile)"),
}


def main():
    CONF([], project="nova", default_config_files=[], default_config_dirs=[])
    CONF.set_override("disable_rootwrap", True, group="workarounds")
    drivers = {"iscsi": nova_iscsi.LibvirtISCSIVolumeDriver(UnusedLibvirtHost()),
               "nvme": nova_nvme.LibvirtNVMEVolumeDriver(UnusedLibvirtHost())}
    types = {"iscsi": "iscsi", "nvme": "nvmeof"}
    data = {"iscsi": iscsi_data, "nvme": nvme_data}
    attached = {}
    print(json.dumps({"ready": True, "uid": os.getuid(),
                      "os_brick": sys.modules["os_brick"].__file__}), flush=True)
    for line in sys.stdin:
        verb, kind = line.split()
        driver = drivers[kind]
        if verb == "connect":
            info = {"driver_volume_type": types[kind], "serial": "vol-" + kind,
                    "data": data[kind]()}
            driver.connect_volume(info, INSTANCE)
            conf = driver.get_config(info, {"type": "disk", "dev": "vdb", "bus": "virtio"})
            attached[kind] = info
            reply = {"device_path": info["data"]["device_path"],
                     "libvirt_source": conf.source_path}
        elif verb == "disconnect":
            driver.disconnect_volume(attached.pop(kind), INSTANCE)
            reply = {"disconnected": kind}
        elif verb == "hostile":
            info = {"driver_volume_type": types[kind], "data": HOSTILE[kind]()}
            try:
                driver.connect_volume(info, INSTANCE)
                reply = {"accepted": info["data"].get("device_path")}
            except Exception as error:  # what the tool refused with, as Nova sees it
                reply = {"refused": type(error).__name__, "message": str(error)}
        else:
            raise SystemExit(f"unknown command {line!r}")
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
