"""The unprivileged path: each operation runs `<root_helper> brick ...`, JSON in and out.

The root helper here records its argv and executes it. The tool runs against a
copy of the fixture host tree (--root) with fake host programs (--tools) that
record that they ran, so a test can show that a hostile connection dict is
refused by the tool before anything runs: no program started, no file changed.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

import pytest

from os_brick import exception
from os_brick.initiator import connector

from conftest import HERE, HOST_TREE, chap_data

TOOLS = ["iscsiadm", "multipath", "multipathd", "blockdev", "nvme", "udevadm", "scsi_id",
         "dmsetup", "lsscsi", "mdadm", "tee", "sg_inq"]


@pytest.fixture
def unprivileged(monkeypatch, host_tree, tmp_path, brick_cli):
    tools = tmp_path / "tools"
    tools.mkdir()
    ran = tmp_path / "ran"
    for name in TOOLS:
        script = tools / name
        script.write_text(f"#!/bin/sh\necho {name} \"$@\" >> {ran}\nexit 1\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("BRICKWORKS_MODE", "root-helper")
    monkeypatch.setenv("BRICKWORKS_ROOT", str(host_tree))
    monkeypatch.setenv("BRICKWORKS_TOOLS", str(tools))
    monkeypatch.setenv("BRICKWORKS_BRICK", brick_cli)
    log = tmp_path / "helper.log"

    class Env:
        root_helper = f"{sys.executable} {HERE / 'root_helper.py'} {log}"

        @staticmethod
        def calls():
            return [json.loads(line) for line in log.read_text().splitlines()]

        @staticmethod
        def ran():
            return ran.read_text().splitlines() if ran.exists() else []

        @staticmethod
        def tree():
            return {str(p.relative_to(host_tree)): p.read_bytes() if p.is_file() else None
                    for p in sorted(host_tree.rglob("*"))}

    return Env


HOSTILE = {
    "semicolon in target_iqn": chap_data(target_iqn="iqn.2010-10.org.openstack:v1; rm -rf /"),
    "command substitution in target_iqn": chap_data(target_iqn="$(touch /tmp/brick-pwned)"),
    "backticks in target_portal": chap_data(target_portal="192.168.122.10:3260`reboot`"),
    "pipe in a portal of target_portals": {
        "target_portals": ["192.168.122.10:3260", "10.0.0.1:3260 | halt"],
        "target_iqns": ["iqn.2010-10.org.openstack:v1"] * 2, "target_luns": [1, 1]},
    "newline in auth_username": chap_data(auth_username="u\nnode.startup = automatic"),
    "option as target_iqn": chap_data(target_iqn="--op=delete"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_dict_is_refused_before_anything_runs(unprivileged, name):
    iscsi = connector.InitiatorConnector.factory("ISCSI", unprivileged.root_helper)
    before = unprivileged.tree()
    with pytest.raises(exception.InvalidParameterValue) as raised:
        iscsi.connect_volume(HOSTILE[name])
    assert raised.value.category == "invalid_properties"
    assert raised.value.field
    assert unprivileged.ran() == []
    assert unprivileged.tree() == before
    (argv,) = unprivileged.calls()
    at = argv.index("connect")
    assert argv[at - 4:at + 4] == ["--root", os.environ["BRICKWORKS_ROOT"],
                                   "--tools", os.environ["BRICKWORKS_TOOLS"],
                                   "connect", "ISCSI", "--properties", "-"]
    # Nova opens LUKS itself after connect (os-brick's contract), so the tool must not.
    assert argv[at + 4:] == ["--no-open-luks"]
    assert not any("iqn." in a or "192.168" in a for a in argv)  # the dict went on stdin


@pytest.mark.parametrize("path", ["/dev/../etc/passwd", "/dev/disk/by-path/../../../etc/shadow",
                                  "dev/sdb"])
def test_hostile_device_info_path_is_refused_before_anything_runs(unprivileged, path):
    iscsi = connector.InitiatorConnector.factory("ISCSI", unprivileged.root_helper)
    before = unprivileged.tree()
    with pytest.raises(exception.InvalidParameterValue) as raised:
        iscsi.disconnect_volume(chap_data(), {"type": "block", "path": path})
    assert raised.value.field == "device_info.path"
    assert unprivileged.ran() == []
    assert unprivileged.tree() == before


def test_a_valid_dict_reaches_the_host_programs(unprivileged):
    # The control for the tests above: the same setup runs programs for a sound dict.
    iscsi = connector.InitiatorConnector.factory("ISCSI", unprivileged.root_helper)
    with pytest.raises(Exception) as raised:  # whichever the failing fake tools cause
        iscsi.connect_volume(chap_data())
    assert getattr(raised.value, "category", None) not in (None, "invalid_properties")
    assert any(line.startswith("iscsiadm") for line in unprivileged.ran())
    assert not any("chapsecret-7f3a" in a for a in unprivileged.calls()[0])


NVME_DATA = {"target_nqn": "nqn.2026-01.org.brickworks:timeouts",
             "vol_uuid": "6b72696b-0000-4000-8000-000000000303",
             "portals": [["192.0.2.20", 4420, "tcp"]]}


def test_nvme_timeouts_go_to_brick_connect_as_flags(unprivileged, host_tree):
    (host_tree / "dev").mkdir()
    fabrics = host_tree / "dev" / "nvme-fabrics"  # the kernel's interface, a file here
    fabrics.write_text("")
    nvme = connector.InitiatorConnector.factory("NVMEOF", unprivileged.root_helper,
                                                nvme_ctrl_loss_tmo=30, nvme_reconnect_delay=4,
                                                nvme_keep_alive_tmo=7)
    with pytest.raises(exception.BrickException):  # no controller appears under the tree
        nvme.connect_volume(NVME_DATA)
    (argv,) = unprivileged.calls()
    at = argv.index("--nvme-ctrl-loss-tmo")
    assert argv[at:at + 6] == ["--nvme-ctrl-loss-tmo", "30", "--nvme-reconnect-delay", "4",
                               "--nvme-keep-alive-tmo", "7"]
    assert ",ctrl_loss_tmo=30,reconnect_delay=4,keep_alive_tmo=7" in fabrics.read_text()
    # Only a connect makes controllers: the other operations do not take the flags.
    nvme.disconnect_volume(NVME_DATA, None, ignore_errors=True)
    assert not any(a.startswith("--nvme-") for a in unprivileged.calls()[1])


def test_nvme_timeout_out_of_range_is_refused_by_the_tool(unprivileged):
    nvme = connector.InitiatorConnector.factory("NVMEOF", unprivileged.root_helper,
                                                nvme_reconnect_delay=0)
    before = unprivileged.tree()
    with pytest.raises(exception.InvalidParameterValue) as raised:
        nvme.connect_volume(NVME_DATA)
    assert raised.value.field == "--nvme-reconnect-delay"
    assert unprivileged.tree() == before


def test_nvme_timeout_that_is_not_a_whole_number_never_reaches_the_tool(unprivileged, tmp_path):
    with pytest.raises(exception.InvalidParameterValue) as raised:
        connector.InitiatorConnector.factory("NVMEOF", unprivileged.root_helper,
                                             nvme_keep_alive_tmo="5")
    assert raised.value.field == "nvme_keep_alive_tmo"
    assert not (tmp_path / "helper.log").exists()  # the root helper never ran


def test_a_root_helper_that_fails_raises_process_execution_error(unprivileged, monkeypatch):
    iscsi = connector.InitiatorConnector.factory("ISCSI", "/bin/false")
    with pytest.raises(exception.ProcessExecutionError) as raised:
        iscsi.connect_volume(chap_data())
    assert raised.value.exit_code == 1
    assert unprivileged.ran() == []


def test_an_unprivileged_process_goes_through_the_root_helper(brick_cli):
    # A real non-root process (uid nobody) with the default mode: every operation
    # goes through the root helper; the tool reads the fixture tree.
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to become nobody")
    scratch = tempfile.mkdtemp(prefix="brick-unprivileged-")
    try:
        os.chmod(scratch, 0o777)
        log = os.path.join(scratch, "helper.log")
        code = (
            "import json, sys\n"
            "from os_brick import exception\n"
            "from os_brick.initiator import connector\n"
            f"helper = '{sys.executable} {HERE / 'root_helper.py'} {log}'\n"
            "props = connector.get_connector_properties(helper, '192.0.2.10', False, False)\n"
            "iscsi = connector.InitiatorConnector.factory('ISCSI', helper)\n"
            "try:\n"
            "    iscsi.connect_volume({'target_portal': '192.168.122.10:3260',\n"
            "                          'target_iqn': 'iqn.2010-10.org.x:v;reboot', 'target_lun': 1})\n"
            "except exception.InvalidParameterValue as e:\n"
            "    props['refused'] = e.field\n"
            "print(json.dumps(props))\n")
        env = {"PATH": os.environ["PATH"], "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
               "BRICKWORKS_ROOT": str(HOST_TREE), "BRICKWORKS_BRICK": brick_cli,
               "PYTHONDONTWRITEBYTECODE": "1"}
        done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=True, cwd=scratch)
        props = json.loads(done.stdout)
        assert props["initiator"] == "iqn.1993-08.org.debian:01:8d6b0c1f9e2a"
        assert props["refused"] == "data.target_iqn"
        with open(log, encoding="utf-8") as f:
            calls = [json.loads(line) for line in f]
        assert [c[c.index(brick_cli) + 5] for c in calls] == ["properties", "connect"]
    finally:
        shutil.rmtree(scratch)
