"""Fabric files for the simulator benchmarks and the connection properties of
their volumes (the same dict goes to brickworks and to os-brick)."""

BASE = "iqn.2026-01.org.brickworks:bench"
NQN = "nqn.2026-01.org.brickworks:bench-nvme"
NS_UUID = "6b72696b-0000-4000-8000-0000000000e1"
PORTAL_1 = "192.168.122.10:3260"
PORTAL_2 = "192.168.122.11:3260"
GIB = 1 << 30

# The disk appears this long after the scan (the model's disk_ms), unless told.
DEFAULT_DEVICE_MS = 50


def _naa(n):
    return "6001405%025x" % n


def _lun(n, lun=1):
    return {"lun": lun, "size": GIB, "volume": "vol-%d" % n,
            "designators": [{"type": "naa", "value": _naa(n)}]}


def timing(device_ms=DEFAULT_DEVICE_MS):
    return {"disk_ms": device_ms}


def iscsi_target(n, portals=(PORTAL_1,), attached=False):
    target = {"iqn": "%s-%d" % (BASE, n), "portals": list(portals), "luns": [_lun(n)]}
    if attached:
        target["attached"] = True
    return target


def nvme_subsystem():
    return {"nqn": NQN, "serial": "brickbench00001",
            "ports": [{"id": 1, "transport": "tcp", "address": "127.0.0.1",
                       "service_id": 4420}],
            "namespaces": [{"nsid": 1, "size": 64 << 20, "volume": "ns-bench",
                            "uuid": NS_UUID}]}


def fabric(targets, nvme=False, device_ms=DEFAULT_DEVICE_MS):
    document = {"host": {"local_disks": 1}, "timing": timing(device_ms),
                "iscsi": {"targets": targets}}
    if nvme:
        document["nvme"] = {"subsystems": [nvme_subsystem()]}
    return document


def iscsi_properties(n, portals=(PORTAL_1,)):
    """Connection properties of target n's LUN 1 (plural keys for several portals)."""
    iqn = "%s-%d" % (BASE, n)
    if len(portals) == 1:
        return {"target_portal": portals[0], "target_iqn": iqn, "target_lun": 1,
                "target_discovered": False, "volume_id": "vol-%d" % n}
    return {"target_portals": list(portals), "target_iqns": [iqn] * len(portals),
            "target_luns": [1] * len(portals), "target_discovered": False,
            "volume_id": "vol-%d" % n}


def nvme_properties():
    return {"target_nqn": NQN, "vol_uuid": NS_UUID, "portals": [["127.0.0.1", 4420, "tcp"]]}
