"""In-process operations (root) release the GIL while libbrick works.

The connector runs on the real-host code path against a copy of the fixture
host tree, with a fake iscsiadm that takes 0.3 s and fails. While one thread is
inside connect_volume, another keeps running Python.
"""

import stat
import threading
import time

import pytest

from os_brick import exception
from os_brick.initiator import connector

from conftest import chap_data


def test_connect_volume_lets_other_threads_run(monkeypatch, host_tree, tmp_path):
    tools = tmp_path / "tools"
    tools.mkdir()
    for name in ("iscsiadm", "multipathd"):
        script = tools / name
        script.write_text("#!/bin/sh\nsleep 0.3\nexit 1\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("BRICKWORKS_MODE", "in-process")
    monkeypatch.setenv("BRICKWORKS_ROOT", str(host_tree))
    monkeypatch.setenv("BRICKWORKS_TOOLS", str(tools))
    iscsi = connector.InitiatorConnector.factory("ISCSI", "sudo")

    errors, done = [], threading.Event()

    def attach():
        try:
            iscsi.connect_volume(chap_data())
        except exception.BrickException as error:
            errors.append(error)
        finally:
            done.set()

    worker = threading.Thread(target=attach)
    ticks, started = 0, time.monotonic()
    worker.start()
    while not done.is_set():
        ticks += 1
    worker.join()
    elapsed = time.monotonic() - started
    assert elapsed >= 0.3
    assert ticks > 10000  # the loop ran all along, not only between two calls
    assert len(errors) == 1 and errors[0].category != "invalid_properties"


def test_in_process_is_the_default_for_root(monkeypatch):
    import os

    from brickworks import backend
    monkeypatch.delenv("BRICKWORKS_MODE", raising=False)
    chosen = backend.choose("sudo")
    assert isinstance(chosen, backend.InProcess if os.geteuid() == 0 else backend.RootHelper)
    monkeypatch.setenv("BRICKWORKS_MODE", "root-helper")
    assert isinstance(backend.choose("sudo"), backend.RootHelper)
    monkeypatch.setenv("BRICKWORKS_MODE", "sideways")
    with pytest.raises(exception.BrickException):
        backend.choose("sudo")
