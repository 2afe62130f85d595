"""get_connector_properties against lib/tests/fixtures/host-tree, in-process and via the tool."""

import sys

import pytest

from os_brick.initiator import connector

from conftest import HERE

EXPECTED = {
    "initiator": "iqn.1993-08.org.debian:01:8d6b0c1f9e2a",
    "nqn": "nqn.2014-08.org.nvmexpress:uuid:4c4c4544-0051-3010-8052-b4c04f4e4d32",
    "nvme_hostid": "4c4c4544-0051-3010-8052-b4c04f4e4d32",
    "system uuid": "4c4c4544-0051-3010-8052-b4c04f4e4d32",
    "wwpns": ["21000024ff7c4a10", "21000024ff7c4a12"],
    "wwnns": ["20000024ff7c4a10", "20000024ff7c4a12"],
    "nvme_native_multipath": True,
    "host": "compute-07",
    "platform": "x86_64",
    "os_type": "linux",
    "ip": "192.0.2.10",
    "multipath": False,
}


@pytest.fixture(params=["in-process", "root-helper"])
def mode(request, monkeypatch, host_tree, tmp_path, brick_cli):
    monkeypatch.setenv("BRICKWORKS_MODE", request.param)
    monkeypatch.setenv("BRICKWORKS_ROOT", str(host_tree))
    monkeypatch.setenv("BRICKWORKS_BRICK", brick_cli)
    log = tmp_path / "helper.log"
    return request.param, f"{sys.executable} {HERE / 'root_helper.py'} {log}", log


def test_properties_from_the_host_tree(mode):
    name, root_helper, log = mode
    props = connector.get_connector_properties(root_helper, "192.0.2.10", False, False)
    assert props.items() >= EXPECTED.items()
    assert log.exists() == (name == "root-helper")


def test_host_name_is_the_caller_s_when_given(mode):
    _, root_helper, _ = mode
    props = connector.get_connector_properties(root_helper, "192.0.2.10", False, False,
                                               host="nova-compute-1")
    assert props["host"] == "nova-compute-1"


def test_per_protocol_properties(mode):
    _, root_helper, _ = mode
    assert connector.ISCSIConnector.get_connector_properties(root_helper) == {
        "initiator": EXPECTED["initiator"]}
    nvme = connector.NVMeOFConnector.get_connector_properties(root_helper)
    assert nvme["nqn"] == EXPECTED["nqn"]


def test_missing_host_nqn_is_created_as_os_brick_does(mode, host_tree):
    _, root_helper, _ = mode
    (host_tree / "etc/nvme/hostnqn").unlink()
    props = connector.get_connector_properties(root_helper, "192.0.2.10", False, False)
    assert props["nqn"].startswith("nqn.2014-08.org.nvmexpress:uuid:")
    assert (host_tree / "etc/nvme/hostnqn").read_text().strip() == props["nqn"]
