"""os-brick's NFS, RBD and local connectors and its LUKS encryptor on the simulator.

sim/fabrics/storage.json: an NFS export, a Ceph cluster with two images, an
LVM logical volume and an iSCSI LUN for the encrypted volume.
"""

import hashlib

from os_brick import encryptors
from os_brick.initiator import connector

CEPHX_KEY = "AQBbogAAAAAAABAAc2ltdWxhdGVkLWNlcGgta2V5IQ=="


def nfs_data(name="volume-1"):
    return {"export": "127.0.0.1:/srv/nfs", "name": name, "options": "-o vers=4"}


def rbd_data():
    return {"name": "volumes/volume-r1", "hosts": ["127.0.0.1"], "ports": ["6789"],
            "cluster_name": "ceph", "auth_enabled": True, "auth_username": "cinder",
            "keyring": f"[client.cinder]\n\tkey = {CEPHX_KEY}\n", "do_local_attach": True}


def test_nfs_mounts_where_os_brick_does_and_unmounts(sim):
    host = sim("storage.json", seed=2)
    nfs = connector.InitiatorConnector.factory("NFS", "sudo",
                                               nfs_mount_point_base="/var/lib/nova/mnt")
    device = nfs.connect_volume(nfs_data())
    share = hashlib.md5(b"127.0.0.1:/srv/nfs").hexdigest()
    assert device == {"type": "file", "path": f"/var/lib/nova/mnt/{share}/volume-1"}
    assert nfs.get_volume_paths(nfs_data()) == [device["path"]]
    assert host.write_through(device["path"], 0, "through nfs") == 0
    nfs.disconnect_volume(nfs_data(), device)
    assert host.leftovers() == []
    assert host.volume_bytes("nfs-1", 0, 11) == b"through nfs"


def test_rbd_maps_with_the_keyring_never_shown(sim):
    host = sim("storage.json", seed=4)
    rbd = connector.InitiatorConnector.factory("RBD", "sudo", do_local_attach=True)
    device = rbd.connect_volume(rbd_data())
    assert device == {"type": "block", "path": "/dev/rbd/volumes/volume-r1"}
    assert host.write_through(device["path"], 512, "through krbd") == 0
    assert rbd.extend_volume(rbd_data()) == 33554432
    rbd.disconnect_volume(rbd_data(), device)
    assert host.leftovers() == []
    assert host.volume_bytes("rbd-1", 512, 12) == b"through krbd"
    assert CEPHX_KEY not in host.trace_text()


def test_local_returns_the_device(sim):
    sim("storage.json")
    local = connector.InitiatorConnector.factory("LOCAL", "sudo")
    data = {"device_path": "/dev/cinder-volumes/volume-l1"}
    device = local.connect_volume(data)
    assert device == {"type": "local", "path": "/dev/cinder-volumes/volume-l1"}
    local.disconnect_volume(data, device)


class _Key:
    def __init__(self, raw):
        self.raw = raw

    def get_encoded(self):
        return self.raw


class _KeyManager:
    """Nova's key manager as the encryptor sees it: get(context, key_id)."""

    def __init__(self, raw):
        self.raw = raw

    def get(self, context, key_id):
        assert key_id == "key-1"
        return _Key(self.raw)


def test_luks_encryptor_opens_and_closes_as_nova_calls_it(sim):
    host = sim("storage.json", seed=6)
    iscsi = connector.InitiatorConnector.factory("ISCSI", "sudo")
    data = {"target_portal": "127.0.0.1:3260", "target_iqn": "iqn.2026-01.org.brickworks:luks",
            "target_lun": 1, "volume_id": "vol-luks", "encrypted": True}
    device = iscsi.connect_volume(data)
    assert device["path"] == "/dev/sdb"  # os-brick's API: the encryptor opens LUKS
    connection_info = {"driver_volume_type": "iscsi", "data": dict(data, device_path="/dev/sdb")}
    keymgr = _KeyManager(b"\x01\x02volume key\xfe")
    encryptor = encryptors.get_volume_encryptor("sudo", connection_info, keymgr,
                                                control_location="front-end", provider="luks",
                                                encryption_key_id="key-1")
    assert type(encryptor).__name__ == "LuksEncryptor"
    encryptor.attach_volume(None)
    assert connection_info["data"]["device_path"] == "/dev/mapper/crypt-sdb"
    assert host.write_through("/dev/mapper/crypt-sdb", 0, "plaintext") == 0
    encryptor.detach_volume()
    iscsi.disconnect_volume(data, device)
    assert host.leftovers() == []
    assert host.volume_bytes("lu-luks", 2 << 20, 9) != b"plaintext"
    assert "0102766f6c756d65206b6579fe" not in host.trace_text()  # the hex passphrase
    none = encryptors.get_volume_encryptor("sudo", connection_info, keymgr)
    assert type(none).__name__ == "NoOpEncryptor"
