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
The FC driver passes its connection data as the device info on disconnect (its
own TODO says so); brickworks takes what it needs from it.
The drivers reach brickworks through the os_brick compatibility package: the
connector they build with InitiatorConnector.factory runs in-process on the
simulated host (brickworks.use_host).
"""

import pytest

import nova.conf
from nova.virt.libvirt.volume import fibrechannel as nova_fc
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


def nvme_data():
    """Cinder's new-format NVMe-oF connection data for sim/fabrics/nvme_single.json."""
    return {"target_nqn": "nqn.2026-01.org.brickworks:nvmet-single",
            "vol_uuid": "6b72696b-0000-4000-8000-0000000000a1",
            "portals": [["127.0.0.1", 4420, "tcp"]], "volume_replicas": None,
            "access_mode": "rw"}


def test_nova_nvme_driver_connects_and_disconnects(sim):
    host = sim("nvme_single.json", seed=6)
    driver = nova_nvme.LibvirtNVMEVolumeDriver(UnusedLibvirtHost())
    connection_info = {"driver_volume_type": "nvmeof", "serial": "ns-single", "data": nvme_data()}
    driver.connect_volume(connection_info, INSTANCE)
    path = connection_info["data"]["device_path"]
    assert path.startswith("/dev/nvme")
    conf = driver.get_config(connection_info, disk_info())
    assert (conf.source_type, conf.source_path) == ("block", path)
    assert host.write_through(path, 0, "nvme data") == 0
    assert driver.extend_volume(connection_info, INSTANCE, 67108864) == 67108864
    driver.disconnect_volume(connection_info, INSTANCE)
    assert host.leftovers() == []

    connection_info = {"driver_volume_type": "nvmeof", "data": nvme_data()}
    driver.connect_volume(connection_info, INSTANCE)  # the data survived the detach
    assert host.read_through(connection_info["data"]["device_path"], 0, 9) == b"nvme data"
    driver.disconnect_volume(connection_info, INSTANCE)
    assert host.leftovers() == []


def fc_data(lun=1):
    """An FC driver's connection data for sim/fabrics/fc_two_hbas.json."""
    ports = ["500a098189a0b001", "500a098289a0b001"]
    return {"target_discovered": True, "target_wwn": ports, "target_lun": lun,
            "initiator_target_map": {"10000090fa0d6f91": ports, "10000090fa0d6f92": ports},
            "access_mode": "rw", "encrypted": False}


@pytest.mark.parametrize("multipath", [False, True])
def test_nova_fibre_channel_driver_connects_and_disconnects(sim, nova_config, multipath):
    nova_config.set_override("volume_use_multipath", multipath, group="libvirt")
    host = sim("fc_two_hbas.json", seed=12)
    driver = nova_fc.LibvirtFibreChannelVolumeDriver(UnusedLibvirtHost())
    connection_info = {"driver_volume_type": "fibre_channel", "serial": "vol-fc1",
                       "data": fc_data()}
    driver.connect_volume(connection_info, INSTANCE)
    path = connection_info["data"]["device_path"]
    if multipath:
        assert path == "/dev/dm-0"
        assert connection_info["data"]["multipath_id"] == "3600a098038303053453f463045747a31"
    else:
        assert path.startswith("/dev/sd") and "multipath_id" not in connection_info["data"]
    conf = driver.get_config(connection_info, disk_info())
    assert (conf.source_type, conf.source_path, conf.driver_io) == ("block", path, "native")
    assert f"<source dev=\"{path}\"/>" in conf.to_xml()
    assert host.write_through(path, 0, "fc guest data") == 0
    assert driver.extend_volume(connection_info, INSTANCE, 1073741824) == 1073741824
    driver.disconnect_volume(connection_info, INSTANCE)
    assert host.leftovers() == []
    assert host.lun_bytes("500a098089a0b001", 1, 0, 13) == "fc guest data"
