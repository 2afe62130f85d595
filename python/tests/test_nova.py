"""Nova 26's own libvirt volume drivers, unmodified, attaching on the simulator.

What is stubbed, and why (nothing else is):
  - configuration: nova.conf.CONF parsed from no file and no argument, so every
    option has Nova's default (volume_use_multipath=False, num_volume_scan_tries=5,
    iscsi_iface unset); a multipath test overrides volume_use_multipath only.
  - the libvirt host: the drivers store the nova.virt.libvirt.host.Host they
    are given and use it only in get_config, to look up the libvirt secret of
    an encrypted volume. The stand-in has no secrets (find_secret returns None,
    as for any unencrypted volume) and fails the test on any other use, so no
    libvirt daemon is needed.
  - the instance: only used as log context by Nova here, so a dict with a uuid.
The drivers reach brickworks through the os_brick compatibility package: the
connector they build with InitiatorConnector.factory runs in-process on the
simulated host (brickworks.use_host).
"""

import json

import pytest

import nova.conf
from nova.virt.libvirt.volume import iscsi as nova_iscsi
from nova.virt.libvirt.volume import nvme as nova_nvme

from conftest import CHAP_IQN, MP_IQN, chap_data, multipath_data

CONF = nova.conf.CONF
INSTANCE = {"uuid": "8f6a4c52-1d3e-4b0a-9c7e-2f5d6b8a9e01"}


class UnusedLibvirtHost:
    """Stands in for nova.virt.libvirt.host.Host: no secrets, nothing else."""

    def find_secret(self, usage_type, usage_id):
        return None

    def __getattr__(self, name):
        raise AssertionError(f"the volume driver used the libvirt host: {name}")


@pytest.fixture(autouse=True)
def nova_config():
    CONF([], project="nova", default_config_files=[], default_config_dirs=[])
    yield CONF
    CONF.clear_override("volume_use_multipath", group="libvirt")
    CONF.reset()


def disk_info():
    return {"type": "disk", "dev": "vdb", "bus": "virtio"}


def test_nova_iscsi_driver_connects_and_disconnects(sim):
    host = sim("single_chap.json", seed=5)
    driver = nova_iscsi.LibvirtISCSIVolumeDriver(UnusedLibvirtHost())
    connection_info = {"driver_volume_type": "iscsi", "serial": "vol-1", "data": chap_data()}

    driver.connect_volume(connection_info, INSTANCE)
    assert connection_info["data"]["device_path"] == "/dev/sdb"
    assert host.footprint("vol-1")["disks"] == ["sdb"]
    conf = driver.get_config(connection_info, disk_info())
    assert (conf.source_type, conf.source_path, conf.driver_io) == ("block", "/dev/sdb", "native")
    assert "<source dev=\"/dev/sdb\"/>" in conf.to_xml()

    assert host.write_through("/dev/sdb", 0, "guest data") == 0
    assert driver.extend_volume(connection_info, INSTANCE, 1073741824) == 1073741824
    driver.disconnect_volume(connection_info, INSTANCE)
    assert host.leftovers() == []
    assert host.lun_bytes(CHAP_IQN, 1, 0, 10) == "guest data"


def test_nova_iscsi_driver_multipath(sim, nova_config):
    nova_config.set_override("volume_use_multipath", True, group="libvirt")
    host = sim("two_portals.json", seed=9)
    driver = nova_iscsi.LibvirtISCSIVolumeDriver(UnusedLibvirtHost())
    connection_info = {"driver_volume_type": "iscsi", "serial": "vol-mp",
                       "data": multipath_data()}
    driver.connect_volume(connection_info, INSTANCE)
    assert connection_info["data"]["device_path"] == "/dev/dm-0"
    assert host.write_through("/dev/dm-0", 512, "via dm") == 0
    driver.disconnect_volume(connection_info, INSTANCE)
    assert host.leftovers() == []
    assert host.lun_bytes(MP_IQN, 1, 512, 6) == "via dm"


def test_nova_iscsi_driver_ignores_an_already_gone_volume(sim):
    host = sim("single_chap.json")
    driver = nova_iscsi.LibvirtISCSIVolumeDriver(UnusedLibvirtHost())
    connection_info = {"driver_volume_type": "iscsi", "data": chap_data()}
    driver.disconnect_volume(connection_info, INSTANCE)  # never attached
    assert host.leftovers() == []


NVME_FABRIC = {
    "_notes": "One nvmet subsystem on one TCP port with one namespace (python/tests).",
    "host": {"local_disks": 1},
    "nvme": {"subsystems": [{
        "nqn": "nqn.2014-08.org.openstack:vol-nvme", "serial": "b7c1e0f2a3d4",
        "allow_any_host": True,
        "ports": [{"id": 1, "transport": "tcp", "address": "192.168.122.20",
                   "service_id": 4420}],
        "namespaces": [{"nsid": 1, "size": 67108864, "volume": "vol-nvme",
                        "uuid": "5b2b2a8e-7e3c-4f0a-9a51-0c1f2d3e4f50"}]}]},
}


def nvme_data():
    """Cinder's new-format NVMe-oF connection data for NVME_FABRIC's namespace."""
    return {"target_nqn": "nqn.2014-08.org.openstack:vol-nvme",
            "vol_uuid": "5b2b2a8e-7e3c-4f0a-9a51-0c1f2d3e4f50",
            "portals": [["192.168.122.20", 4420, "tcp"]], "volume_replicas": None,
            "access_mode": "rw"}


def test_nova_nvme_driver_connects_and_disconnects(sim, tmp_path):
    fabric = tmp_path / "nvme.json"
    fabric.write_text(json.dumps(NVME_FABRIC))
    try:
        host = sim(fabric)
    except Exception as error:  # noqa: BLE001 - any refusal means: not there yet
        pytest.skip(f"the simulator has no NVMe-oF fabric yet: {error}")
    driver = nova_nvme.LibvirtNVMEVolumeDriver(UnusedLibvirtHost())
    connection_info = {"driver_volume_type": "nvmeof", "serial": "vol-nvme", "data": nvme_data()}
    driver.connect_volume(connection_info, INSTANCE)
    path = connection_info["data"]["device_path"]
    assert path.startswith("/dev/nvme")
    assert host.write_through(path, 0, "nvme data") == 0
    driver.disconnect_volume(connection_info, INSTANCE)
    assert host.leftovers() == []
