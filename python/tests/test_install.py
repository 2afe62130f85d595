"""What `cmake --install` puts in dist-packages imports, and os_brick only when asked.

python/'s own install rules run into a temporary prefix (cmake -P on the build
tree's python/cmake_install.cmake); libbrick is taken from the build tree.
"""

import os
import subprocess
import sys

import pytest

BUILD = os.environ.get("BRICK_TEST_PYTHON_BUILD_DIR")
SITE = os.environ.get("BRICK_TEST_PYTHON_INSTALL_DIR", "")

pytestmark = pytest.mark.skipif(not BUILD, reason="needs the build tree (run by CTest)")


def install(prefix, component=None):
    argv = ["cmake", f"-DCMAKE_INSTALL_PREFIX={prefix}"]
    if component:
        argv.append(f"-DCMAKE_INSTALL_COMPONENT={component}")
    argv += ["-P", os.path.join(BUILD, "cmake_install.cmake")]
    subprocess.run(argv, check=True, capture_output=True)
    return prefix / SITE


def where(site, module):
    env = {"PYTHONPATH": str(site), "LD_LIBRARY_PATH": os.environ["BRICK_TEST_LIB_DIR"],
           "PATH": os.environ["PATH"]}
    code = (f"import {module} as m; print(m.__file__); "
            "import os_brick.initiator.connector as c; print(c.__file__)")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True, cwd="/")
    return done.stdout.split()


def test_default_install_is_brickworks_only(tmp_path):
    site = install(tmp_path)
    assert (site / "brickworks" / "connector.py").exists()
    assert any(p.name.startswith("_brick.") for p in (site / "brickworks").iterdir())
    assert not any(p.name.startswith("_brick_sim") for p in (site / "brickworks").iterdir())
    assert not (site / "os_brick").exists()
    module_file, os_brick_file = where(site, "brickworks._brick")
    assert module_file.startswith(str(site))
    assert not os_brick_file.startswith(str(site))  # Debian's os-brick, if any, is untouched


def test_os_brick_component_makes_os_brick_resolve_to_brickworks(tmp_path):
    site = install(tmp_path)
    install(tmp_path, "os_brick")
    _, os_brick_file = where(site, "brickworks.connector")
    assert os_brick_file == str(site / "os_brick" / "initiator" / "connector.py")
