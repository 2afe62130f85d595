"""Shared fixtures of the Python tests (run by CTest: python/CMakeLists.txt).

CTest puts the build tree's site directory (brickworks with its modules, and
os_brick) first on PYTHONPATH and names the source tree and the brick tool in
BRICK_TEST_SOURCE_DIR and BRICK_TEST_CLI.
"""

import os
import pathlib
import shutil
import sys

import pytest

SOURCE_DIR = pathlib.Path(os.environ.get("BRICK_TEST_SOURCE_DIR",
                                         pathlib.Path(__file__).resolve().parents[2]))
FABRICS = SOURCE_DIR / "sim" / "fabrics"
HOST_TREE = SOURCE_DIR / "lib" / "tests" / "fixtures" / "host-tree"
HERE = pathlib.Path(__file__).resolve().parent

CHAP_IQN = "iqn.2010-10.org.openstack:volume-1"
CHAP_WWID = "360014050aabbccdd0000000000000001"
MP_IQN = "iqn.2010-10.org.openstack:volume-mp"
MP_WWID = "360014050aabbccdd0000000000000002"


def chap_data(**changes):
    """Cinder's LVM/LIO connection data for the volume of sim/fabrics/single_chap.json."""
    data = {"target_discovered": False, "target_portal": "192.168.122.10:3260",
            "target_iqn": CHAP_IQN, "target_lun": 1, "volume_id": "vol-1",
            "auth_method": "CHAP", "auth_username": "chapuser",
            "auth_password": "chapsecret-7f3a", "encrypted": False, "qos_specs": None,
            "access_mode": "rw"}
    data.update(changes)
    return data


def multipath_data():
    """The volume of sim/fabrics/two_portals.json, as a 3PAR-style multipath dict."""
    return {"target_portals": ["192.168.122.10:3260", "[2001:db8::10]:3260"],
            "target_iqns": [MP_IQN, MP_IQN], "target_luns": [1, 1], "volume_id": "vol-mp"}


@pytest.fixture
def sim():
    """A function making a SimHost from a fabric file name; backends use it meanwhile."""
    import contextlib

    import brickworks
    from brickworks import _brick_sim

    with contextlib.ExitStack() as stack:
        def make(fabric, seed=1):
            path = fabric if os.path.isabs(str(fabric)) else FABRICS / fabric
            return stack.enter_context(brickworks.use_host(_brick_sim.SimHost(str(path), seed)))

        yield make


@pytest.fixture
def host_tree(tmp_path):
    """A copy of lib/tests/fixtures/host-tree (get_connector_properties may write to it)."""
    root = tmp_path / "root"
    shutil.copytree(HOST_TREE, root, symlinks=True)
    return root


@pytest.fixture
def brick_cli():
    path = os.environ.get("BRICK_TEST_CLI") or shutil.which("brick")
    if not path:
        pytest.skip("the brick tool is not built (BRICK_TEST_CLI)")
    return path


def run_python(code):
    """Runs code in /usr/bin/python3 without this test's PYTHONPATH (Debian's os-brick)."""
    import subprocess
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True, cwd="/")
    return done.stdout
