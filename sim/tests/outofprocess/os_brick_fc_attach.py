#!/usr/bin/python3
"""Attaches and detaches one Fibre Channel volume with os-brick, unmodified.

Run inside `brick-lab sim exec --root DIR -- python3 os_brick_fc_attach.py ...`:
the fake /sys (fc_host, fc_remote_ports, fc_transport, scsi_host scan files),
/dev and tools there are the simulator's. os-brick's FibreChannelConnector
runs as in a deployment: root helper "sudo", privileged calls through an
oslo.privsep daemon, its `grep` over fc_transport through a shell.

    os_brick_fc_attach.py PROPERTIES_JSON LOCK_DIR

Prints one JSON object: the connector properties, the device info, the SCSI
disks and by-path names while attached, and the wall times of attach and
detach.
"""

import json
import os
import sys
import time


def scsi_disks():
    """{disk: "H:C:T:L"} of every SCSI disk the kernel has."""
    disks = {}
    for name in sorted(os.listdir("/sys/block")):
        device = "/sys/block/%s/device" % name
        if name.startswith("sd") and os.path.exists(device):
            disks[name] = os.path.basename(os.path.realpath(device))
    return disks


def main():
    properties_file, lock_dir = sys.argv[1], sys.argv[2]
    with open(properties_file) as f:
        properties = json.load(f)

    started = time.monotonic()
    from oslo_concurrency import lockutils
    from oslo_config import cfg

    import os_brick
    from os_brick.initiator import connector

    cfg.CONF([], project="brick-sim")
    lockutils.set_defaults(lock_dir)
    os_brick.setup(cfg.CONF)
    imported = time.monotonic()

    root_helper = "sudo"
    host = connector.get_connector_properties(root_helper, "192.168.122.1", False, False)
    fc = connector.InitiatorConnector.factory(
        "FIBRE_CHANNEL", root_helper, use_multipath=False, device_scan_attempts=3)

    before = scsi_disks()
    t0 = time.monotonic()
    device = fc.connect_volume(properties)
    t1 = time.monotonic()
    # os-brick returns once one path is there; give udev's names of the
    # other paths the time the model takes to make them.
    time.sleep(2)
    path = device["path"]
    attached = {
        "realpath": os.path.realpath(path),
        "size": os.stat(path).st_size,
        "disks": {k: v for k, v in scsi_disks().items() if k not in before},
        "by_path": sorted(n for n in os.listdir("/dev/disk/by-path") if "-fc-" in n),
    }
    t2 = time.monotonic()
    fc.disconnect_volume(properties, device)
    t3 = time.monotonic()
    print(json.dumps({
        "wwpns": host.get("wwpns"),
        "wwnns": host.get("wwnns"),
        "device": device,
        "attached": attached,
        "disks_after": {k: v for k, v in scsi_disks().items() if k not in before},
        "import_s": imported - started,
        "attach_s": t1 - t0,
        "detach_s": t3 - t2,
    }))


if __name__ == "__main__":
    main()
