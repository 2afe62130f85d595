"""os-brick's API attaching and detaching on the simulator (in-process, GIL released)."""

import json

import pytest

from os_brick.initiator import connector

from conftest import CHAP_IQN, CHAP_WWID, MP_IQN, MP_WWID, chap_data, multipath_data


def test_single_path_attach_detach_returns_os_brick_device_info(sim):
    host = sim("single_chap.json", seed=3)
    iscsi = connector.InitiatorConnector.factory("ISCSI", "sudo")
    data = chap_data()
    before = dict(data)
    device = iscsi.connect_volume(data)
    assert device == {"type": "block", "path": "/dev/sdb", "scsi_wwn": CHAP_WWID}
    assert data == before  # the caller's dict is never modified
    assert host.footprint("vol-1")["disks"] == ["sdb"]
    assert iscsi.check_valid_device("/dev/sdb")
    assert not iscsi.check_valid_device("/dev/sdz")
    link = f"/dev/disk/by-path/ip-192.168.122.10:3260-iscsi-{CHAP_IQN}-lun-1"
    host.advance(2000)  # udev makes the links after the device appears
    assert link in iscsi.get_all_available_volumes()
    assert iscsi.check_valid_device(link)
    assert link in iscsi.get_volume_paths(data)

    assert host.write_through(device["path"], 4096, "written through sdb") == 0
    iscsi.disconnect_volume(data, device)
    assert host.leftovers() == []
    assert host.lun_bytes(CHAP_IQN, 1, 4096, 19) == "written through sdb"
    assert "chapsecret-7f3a" not in host.trace_text()


def test_disconnect_without_device_info_as_nova_calls_it(sim):
    host = sim("single_chap.json")
    iscsi = connector.InitiatorConnector.factory("ISCSI", "sudo")
    iscsi.connect_volume(chap_data())
    iscsi.disconnect_volume(chap_data(), None)
    assert host.leftovers() == []


def test_multipath_attach_over_two_portals_returns_the_map(sim):
    host = sim("two_portals.json", seed=11)
    iscsi = connector.InitiatorConnector.factory("ISCSI", "sudo", use_multipath=True)
    device = iscsi.connect_volume(multipath_data())
    assert device["path"] == "/dev/dm-0"
    assert device["multipath_id"] == MP_WWID
    assert device["scsi_wwn"] == MP_WWID
    assert host.write_through(device["path"], 0, "through the map") == 0
    iscsi.disconnect_volume(multipath_data(), device)
    assert host.leftovers() == []
    assert host.lun_bytes(MP_IQN, 1, 0, 15) == "through the map"


def test_extend_returns_the_size_in_bytes(sim):
    sim("single_chap.json")
    iscsi = connector.InitiatorConnector.factory("ISCSI", "sudo")
    device = iscsi.connect_volume(chap_data())
    assert iscsi.extend_volume(chap_data()) == 1073741824
    iscsi.disconnect_volume(chap_data(), device)


def test_connector_properties_on_the_simulated_host(sim):
    sim("single_chap.json")
    props = connector.get_connector_properties("sudo", "192.0.2.10", False, False)
    assert props["initiator"] == "iqn.1993-08.org.debian:01:sim"
    assert props["ip"] == "192.0.2.10" and props["multipath"] is False
    assert props["platform"] and props["os_type"] == "linux"
    assert connector.ISCSIConnector.get_connector_properties("sudo") == {
        "initiator": "iqn.1993-08.org.debian:01:sim"}


NVME_NQN = "nqn.2026-01.org.brickworks:nvmet-single"
NVME_UUID = "6b72696b-0000-4000-8000-0000000000a1"


def nvme_new_format(**changes):
    data = {"target_nqn": NVME_NQN, "vol_uuid": NVME_UUID,
            "portals": [["127.0.0.1", 4420, "tcp"]], "volume_replicas": None}
    data.update(changes)
    return data


def nvme_old_format():
    return {"nqn": NVME_NQN, "transport_type": "tcp", "target_portal": "127.0.0.1",
            "target_port": 4420, "ns_id": "1"}


def test_nvme_attach_detach_keeps_the_data(sim):
    host = sim("nvme_single.json", seed=4)
    nvme = connector.InitiatorConnector.factory("NVME", "sudo")
    data = nvme_new_format()
    device = nvme.connect_volume(data)
    assert device["type"] == "block" and device["path"].startswith("/dev/nvme")
    assert data == nvme_new_format()
    assert nvme.check_valid_device(device["path"])
    assert nvme.get_volume_paths(data, device) == [device["path"]]
    assert host.write_through(device["path"], 8192, "namespace data") == 0
    nvme.disconnect_volume(data, device)
    assert host.leftovers() == []

    again = nvme.connect_volume(nvme_old_format())  # the same namespace, the old format
    assert host.read_through(again["path"], 8192, 14) == b"namespace data"
    nvme.disconnect_volume(nvme_old_format(), None)
    assert host.leftovers() == []


def test_nvme_controller_timeouts_reach_the_kernel(sim):
    host = sim("nvme_single.json", seed=6)
    nvme = connector.InitiatorConnector.factory("NVMEOF", "sudo", nvme_ctrl_loss_tmo=30,
                                                nvme_reconnect_delay=4, nvme_keep_alive_tmo=7)
    device = nvme.connect_volume(nvme_new_format())
    controller = "/sys/class/nvme/nvme0"
    # Linux shows ctrl_loss_tmo in whole reconnect delays: 8 attempts of 4 s.
    assert host.read_attribute(f"{controller}/ctrl_loss_tmo") == "32"
    assert host.read_attribute(f"{controller}/reconnect_delay") == "4"
    assert host.read_attribute(f"{controller}/kato") == "7"
    nvme.disconnect_volume(nvme_new_format(), device)
    assert host.leftovers() == []

    defaults = connector.InitiatorConnector.factory("NVMEOF", "sudo", nvme_ctrl_loss_tmo=None)
    device = defaults.connect_volume(nvme_new_format())
    assert host.read_attribute(f"{controller}/ctrl_loss_tmo") == "off"
    assert host.read_attribute(f"{controller}/reconnect_delay") == "10"
    assert host.read_attribute(f"{controller}/kato") == "5"
    defaults.disconnect_volume(nvme_new_format(), device)


@pytest.mark.parametrize("key,value", [("nvme_ctrl_loss_tmo", -2), ("nvme_reconnect_delay", 0),
                                       ("nvme_keep_alive_tmo", 0), ("nvme_keep_alive_tmo", "5"),
                                       ("nvme_reconnect_delay", 2.5),
                                       ("nvme_ctrl_loss_tmo", True)])
def test_nvme_controller_timeouts_out_of_range_are_refused(sim, key, value):
    from os_brick import exception
    host = sim("nvme_single.json")
    with pytest.raises(exception.InvalidParameterValue) as raised:
        connector.InitiatorConnector.factory("NVMEOF", "sudo", **{key: value})
    assert raised.value.field == key
    assert host.leftovers() == []


def test_nvme_two_ports_native_multipath_by_nguid(sim):
    host = sim("nvme_two_ports.json", seed=8)
    nvme = connector.InitiatorConnector.factory("NVMEOF", "sudo", use_multipath=True)
    data = {"target_nqn": "nqn.2026-01.org.brickworks:two-ports",
            "volume_nguid": "6b72696b0000400080000000000000b2", "ns_id": 2,
            "portals": [["127.0.0.1", 4420, "tcp"], ["127.0.0.1", 4421, "tcp"]]}
    device = nvme.connect_volume(data)
    assert device["path"].startswith("/dev/nvme")
    nvme.disconnect_volume(data, device)
    assert host.leftovers() == []


def test_nvme_subsystem_that_refuses_this_host_is_a_missing_device(sim):
    from os_brick import exception
    host = sim("nvme_two_ports.json")
    nvme = connector.InitiatorConnector.factory("NVME", "sudo")
    data = {"target_nqn": "nqn.2026-01.org.brickworks:private",
            "vol_uuid": "6b72696b-0000-4000-8000-0000000000c1",
            "portals": [["127.0.0.1", 4422, "tcp"]]}
    with pytest.raises(exception.VolumeDeviceNotFound) as raised:
        nvme.connect_volume(data)
    assert raised.value.category in ("login_failed", "authentication_failed",
                                     "target_unreachable", "device_not_found")
    assert host.leftovers() == []


FC_HBAS = ["10000090fa0d6f91", "10000090fa0d6f92"]
FC_PORTS = ["500a098189a0b001", "500a098289a0b001"]
FC_TARGET = "500a098089a0b001"
FC_WWID = "3600a098038303053453f463045747a31"


def fc_data(lun=1, **changes):
    """An FC driver's connection data for sim/fabrics/fc_two_hbas.json (upper-case WWNs)."""
    data = {"target_discovered": True, "target_wwn": [p.upper() for p in FC_PORTS],
            "target_lun": lun, "initiator_target_map": {h: list(FC_PORTS) for h in FC_HBAS},
            "access_mode": "rw", "encrypted": False}
    data.update(changes)
    return data


def test_fc_multipath_attach_detach_over_four_paths(sim):
    host = sim("fc_two_hbas.json", seed=5)
    fc = connector.InitiatorConnector.factory("FIBRE_CHANNEL", "sudo", use_multipath=True)
    data = fc_data()
    device = fc.connect_volume(data)
    assert device == {"type": "block", "path": "/dev/dm-0", "scsi_wwn": FC_WWID,
                      "multipath_id": FC_WWID}
    assert data == fc_data()  # the caller's dict is never modified
    host.advance(2000)
    paths = fc.get_volume_paths(data)
    assert sorted(paths) == sorted(
        f"/dev/disk/by-path/pci-0000:05:00.{h}-fc-0x{p}-lun-1" for h in (0, 1) for p in FC_PORTS)
    assert set(paths) <= set(fc.get_all_available_volumes())
    assert fc.check_valid_device(device["path"])
    assert host.write_through(device["path"], 1024, "four paths") == 0
    assert fc.extend_volume(data) == 1073741824
    fc.disconnect_volume(data, device)
    assert host.leftovers() == []
    assert host.lun_bytes(FC_TARGET, 1, 1024, 10) == "four paths"
    assert fc.get_volume_paths(data) == []


def test_fc_single_path_and_disconnect_with_the_data_dict_as_device_info(sim):
    host = sim("fc_two_hbas.json", seed=6)
    fc = connector.InitiatorConnector.factory("fibre_channel", "sudo")
    data = fc_data(lun=2)
    device = fc.connect_volume(data)
    assert device["path"].startswith("/dev/sd") and "multipath_id" not in device
    assert host.write_through(device["path"], 0, "one path") == 0
    fc.disconnect_volume(data, dict(data, device_path=device["path"]))  # as Nova calls it
    assert host.leftovers() == []
    assert host.lun_bytes(FC_PORTS[0], 2, 0, 8) == "one path"


def test_fc_connector_properties_are_the_online_ports(sim):
    sim("fc_two_hbas.json")
    assert connector.FibreChannelConnector.get_connector_properties("sudo") == {
        "wwpns": FC_HBAS, "wwnns": ["20000090fa0d6f91", "20000090fa0d6f92"]}
    props = connector.get_connector_properties("sudo", "192.0.2.10", True, False)
    assert props["wwpns"] == FC_HBAS


def test_fc_refuses_a_stale_lun_and_malformed_properties(sim):
    from os_brick import exception
    host = sim("fc_two_hbas.json")
    host.inject(json.dumps({"fault": "lun_remapped", "wwnn": FC_TARGET, "lun": 1,
                            "to": {"volume": "intruder", "size": 4096, "designators": [
                                {"type": "naa", "value": "600a0980ffffffffffffffffffffffff"}]}}))
    fc = connector.InitiatorConnector.factory("FIBRE_CHANNEL", "sudo", use_multipath=True)
    with pytest.raises(exception.BrickException) as refused:
        fc.connect_volume(fc_data(scsi_wwn=FC_WWID))
    assert refused.value.category == "wrong_device"
    assert host.leftovers() == []
    with pytest.raises(exception.InvalidParameterValue):
        fc.connect_volume(fc_data(target_wwn="500a0981;reboot"))
