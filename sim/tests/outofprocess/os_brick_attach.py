#!/usr/bin/python3
"""Attaches and detaches one iSCSI volume with os-brick, unmodified.

Run inside `brick-lab sim exec --root DIR -- python3 os_brick_attach.py ...`:
the fake /sys, /dev, /etc/iscsi and tools there are the simulator's. os-brick
runs as it does in a deployment: root helper "sudo", privileged calls in an
oslo.privsep daemon started through `sudo privsep-helper`.

    os_brick_attach.py PROPERTIES_JSON LOCK_DIR

Prints one JSON object: the connector properties, the device info, what the
device looked like while attached, and the wall times of attach and detach.
"""

import json
import os
import sys
import time


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
    iscsi = connector.InitiatorConnector.factory(
        "ISCSI", root_helper, use_multipath=False, device_scan_attempts=3)

    t0 = time.monotonic()
    device = iscsi.connect_volume(properties)
    t1 = time.monotonic()
    path = device["path"]
    name = os.path.realpath(path).rsplit("/", 1)[-1]
    with open("/sys/block/%s/device/wwid" % name) as f:
        wwid = f.read().strip()
    attached = {
        "exists": os.path.exists(path),
        "realpath": os.path.realpath(path),
        "size": os.stat(path).st_size,
        "wwid": wwid,
        "by_path": sorted(os.listdir("/dev/disk/by-path")),
    }
    t2 = time.monotonic()
    iscsi.disconnect_volume(properties, device)
    t3 = time.monotonic()
    print(json.dumps({
        "initiator": host.get("initiator"),
        "host": host.get("host"),
        "device": device,
        "attached": attached,
        "gone": not os.path.exists(path),
        "sessions": sorted(os.listdir("/sys/class/iscsi_session")),
        "import_s": imported - started,
        "attach_s": t1 - t0,
        "detach_s": t3 - t2,
    }))


if __name__ == "__main__":
    main()
