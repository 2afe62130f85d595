#!/usr/bin/env python3
"""Writes the seed corpora of fuzz/corpus/<harness>/ from the project's own
examples: the connection-property fixtures (lib/tests/fixtures), the real
tools' outputs captured in QEMU guests (hil/golden), the scenario library
(scenarios/) and the simulator's fabrics (sim/fabrics), plus a few inputs
written here for the readers that have no captured examples (sysfs trees, VPD
pages). Seeds are named seed-*; inputs kept for bugs the fuzzers found are
named regression-* and are never rewritten.

    python3 fuzz/seeds.py        # from the repository's top folder
"""

import hashlib
import json
import pathlib
import struct

TOP = pathlib.Path(__file__).resolve().parent.parent
CORPUS = TOP / "fuzz" / "corpus"
PROTOCOLS = ["iscsi", "iser", "fibre_channel", "nvmeof", "rbd", "nfs", "local"]


def put(harness, data):
    folder = CORPUS / harness
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    name = "seed-" + hashlib.sha1(data).hexdigest()[:16]
    (folder / name).write_bytes(data)


def clear_seeds():
    for file in CORPUS.glob("*/seed-*"):
        file.unlink()


def fixtures():
    for file in sorted((TOP / "lib/tests/fixtures/connection-properties").glob("*.json")):
        document = json.loads(file.read_text())
        info = document["connection_info"]
        protocol = (document.get("protocol") or info.get("driver_volume_type")).lower()
        protocol = "nvmeof" if protocol == "nvme" else protocol
        data = info.get("data", info) if "driver_volume_type" in info else info
        yield protocol, info, data


def properties():
    harness = {"iscsi": "properties_iscsi", "iser": "properties_iscsi",
               "fibre_channel": "properties_fc", "nvmeof": "properties_nvmeof",
               "rbd": "properties_rbd", "nfs": "properties_nfs", "local": "properties_local"}
    for protocol, info, data in fixtures():
        put(harness[protocol], json.dumps(data, indent=1))
        put("properties_envelope", bytes([PROTOCOLS.index(protocol)]) + json.dumps(info).encode())
        put("json_text", json.dumps(info, indent=2))
    # The envelope refusing another protocol's document, and duplicate keys.
    put("properties_envelope", b"\x00" + b'{"driver_volume_type": "nfs", "data": {}}')
    put("properties_iscsi", '{"target_portal": "192.0.2.1:3260", "target_iqn": '
        '"iqn.2004-05.net.example:a", "target_iqn": "iqn.2004-05.net.example:b"}')
    put("json_text", '{"a": {"b": 1, "b": 2}, "c": [[[[]]]]}')


def names():
    samples = [
        (0x80, "198.51.100.7:3260"), (0x80, "[2001:db8::7]:3260"), (0, "[fe80::1%eth0]:3260"),
        (0x80, "storage.example.net"), (1, "2001:db8::1"), (1, "[::1]"), (1, "host-1.example"),
        (2, "iqn.2010-10.org.openstack:volume-1"), (2, "eui.02004567a425678d"),
        (2, "naa.52004567ba64678d"), (2 | 8, "nqn.2014-08.org.nvmexpress:uuid:"
                                          "4c4c4544-0051-3010-8052-b4c04f4e4d32"),
        (2 | 16, "nqn.nvme-subsystem-1-c20aba21-6ef6-446b-b374-45733b4883ba"),
        (3, "c20aba21-6ef6-446b-b374-45733b4883ba"), (3 | 8, "0x50060E8000AB0001"),
        (3 | 8, "20:21:00:02:ac:00:38:3d"), (3 | 16, "c20aba216ef6446bb37445733b4883ba"),
        (4, "volume-1"), (4 | 8, "md-vol1"), (4 | 16, "/dev/disk/by-id/wwn-0x6001405a"),
        (5, "1"), (5, '"4294967294"'), (5 | 8, "10"), (5 | 16, "3260"), (5 | 24, '"Pa55-secret"'),
        (5 | 32, '"[client.cinder]\\n\\tkey = AQB=="'), (6, "x\ny"), (7, "NVMEOF"),
    ]
    for choice, text in samples:
        put("property_names", bytes([choice]) + text.encode())


def device_info():
    for document in [
        {"type": "block", "path": "/dev/sdb", "scsi_wwn": "360014050aabbccdd0000000000000001"},
        {"type": "block", "path": "/dev/dm-0", "scsi_wwn": "360014050aabbccdd0000000000000002",
         "multipath_id": "360014050aabbccdd0000000000000002"},
        {"type": "block", "path": "/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-"
                                  "iqn.2003-01.org.linux-iscsi.brickworks:chap-lun-0"},
        {"type": "block", "path": "/dev/nvme1n1"},
    ]:
        put("device_info", json.dumps(document))


def golden():
    for file in sorted((TOP / "hil/golden/iscsiadm").glob("*.txt")):
        if file.name.startswith(("discovery", "node")):
            put("iscsiadm_output", file.read_bytes())
    tree = TOP / "lib/tests/fixtures/host-tree"
    fields = [
        b"1073741824\n",
        (tree / "etc/iscsi/initiatorname.iscsi").read_bytes(),
        (tree / "etc/nvme/hostnqn").read_bytes(),
        (tree / "etc/nvme/hostid").read_bytes(),
        (tree / "sys/class/dmi/id/product_uuid").read_bytes(),
        b"4c4c4544-0042-4a10-8051-b3c04f4d3132\n",
        b"/dev/vda1\n",
        b"9b4a6b3c-2a41-4c0e-a3a8-1bb7c2f0e3d4\n",
        b"up\n",
        b"d5e08d25-5483-4793-b3b4-36ef365308f3\n",
    ]
    put("tool_output", b"\x1f".join(fields))
    put("tool_output", b"\x1f".join([b"x\n", b"", b"", b"", b"", b"", b"", b"", b"error receiving packet"]))


def designator(code_set, association, kind, body):
    return struct.pack("BBBB", code_set, (association << 4) | kind, 0, len(body)) + body


def page(*designators):
    body = b"".join(designators)
    return struct.pack(">BBH", 0, 0x83, len(body)) + body


def vpd():
    naa = bytes.fromhex("6001405aabbccdd0000000000000001a")
    lio = page(designator(1, 0, 3, naa),
               designator(2, 0, 1, b"LIO-ORG block1:0aabbccdd0000000000000000000001"),
               designator(1, 1, 4, b"\x00\x00\x00\x01"), designator(1, 1, 5, b"\x00\x00\x00\x00"))
    tgt = page(designator(2, 0, 1, b"IET     VIRTUAL-DISK    beaf11"),
               designator(1, 0, 2, bytes.fromhex("0123456789abcdef")))
    for data in (lio, tgt, page(), page(designator(1, 0, 3, b"")), b"naa.6001405aabbccdd0000000000000001\n",
                 b"t10.LIO-ORG   block1   \n"):
        put("sysfs_vpd83", data)
    for text in ("traddr=127.0.0.1,trsvcid=4420,src_addr=127.0.0.1\n",
                 "traddr=fd00::1,trsvcid=4421,host_traddr=fd00::2,host_iface=lo\n",
                 "traddr=10.0.0.5,trsvcid=4420\n"):
        put("sysfs_nvme_address", text)
    for text in ("session3", "host2", "nvme0", "2:0:0:1", "0:0:0:256", "4420", "2097152",
                 "target2:0:0", "18446744073709551615"):
        put("sysfs_numbers", text)


ISCSI_TREE = r"""d /sys/class/iscsi_session/session1
f /sys/class/iscsi_session/session1/targetname iqn.2010-10.org.openstack:volume-1
f /sys/class/iscsi_session/session1/state LOGGED_IN
d /sys/class/iscsi_connection/connection1:0
f /sys/class/iscsi_connection/connection1:0/persistent_address 192.168.122.10
f /sys/class/iscsi_connection/connection1:0/persistent_port 3260
d /sys/class/iscsi_host/host2/device/session1/target2:0:0
d /sys/class/scsi_device/2:0:0:1
l /sys/class/scsi_device/2:0:0:1/device /sys/devices/platform/host2/session1/target2:0:0/2:0:0:1
d /sys/devices/platform/host2/session1/target2:0:0/2:0:0:1/block/sdb
f /sys/devices/platform/host2/session1/target2:0:0/2:0:0:1/state running
f /sys/devices/platform/host2/session1/target2:0:0/2:0:0:1/wwid naa.60014050aabbccdd0000000000000001
f /sys/devices/platform/host2/session1/target2:0:0/2:0:0:1/vpd_pg83 \x00\x83\x00\x14\x01\x03\x00\x10\x60\x01\x40\x50\xaa\xbb\xcc\xdd\x00\x00\x00\x00\x00\x00\x00\x01
l /sys/block/sdb/device ../../devices/platform/host2/session1/target2:0:0/2:0:0:1
f /sys/block/sdb/size 2097152
d /sys/block/sdb/holders/dm-0
b /dev/sdb
f /sys/block/dm-0/dm/uuid mpath-360014050aabbccdd0000000000000001
f /sys/block/dm-0/dm/name mpatha
d /sys/block/dm-0/slaves/sdb
f /sys/block/dm-0/size 2097152
b /dev/dm-0
"""

NVME_TREE = r"""d /sys/class/nvme-fabrics/ctl/nvme0
f /sys/class/nvme-fabrics/ctl/nvme0/subsysnqn nqn.2016-06.io.spdk:cnode1
f /sys/class/nvme-fabrics/ctl/nvme0/transport tcp
f /sys/class/nvme-fabrics/ctl/nvme0/address traddr=127.0.0.1,trsvcid=4420,src_addr=127.0.0.1\n
f /sys/class/nvme-fabrics/ctl/nvme0/state live
f /sys/class/nvme-fabrics/ctl/nvme0/hostnqn nqn.2014-08.org.nvmexpress:uuid:7313a354-aca1-44e9-957f-3b11b8719809
d /sys/class/nvme-subsystem/nvme-subsys0/nvme0
d /sys/class/nvme-subsystem/nvme-subsys0/nvme0n1
d /sys/class/nvme/nvme0/nvme0c0n1
f /sys/block/nvme0n1/nsid 1
f /sys/block/nvme0n1/uuid c20aba21-6ef6-446b-b374-45733b4883ba
f /sys/block/nvme0n1/nguid c20aba21-6ef6-446b-b374-45733b4883ba
f /sys/block/nvme0n1/size 131072
b /dev/nvme0n1
f /sys/module/nvme_core/parameters/multipath Y
"""


def trees():
    put("sysfs_tree", ISCSI_TREE)
    put("sysfs_tree", NVME_TREE)


def files():
    for file in sorted(TOP.glob("scenarios/*/*.json")):
        put("scenario_file", file.read_bytes())
    for file in sorted((TOP / "sim/fabrics").glob("*.json")):
        put("fabric_file", file.read_bytes())
        put("json_text", file.read_bytes())


if __name__ == "__main__":
    clear_seeds()
    properties()
    names()
    device_info()
    golden()
    vpd()
    trees()
    files()
    for folder in sorted(CORPUS.iterdir()):
        print(f"{folder.name}: {len(list(folder.iterdir()))} inputs")
