"""Attach and detach one volume with each side, timed, on a running simulator."""

import json
import os
import time


class BrickSide:
    """brickworks through the `brick` tool: one process per operation, timed from
    its start to its exit (process start included)."""

    def __init__(self, sim, protocol, properties, multipath=False, name="volume"):
        self.sim = sim
        self.protocol = protocol
        self.multipath = ["--multipath"] if multipath else []
        self.properties = sim.write_json(name + "-properties.json", properties)
        self.device_file = os.path.join(sim.dir, name + "-device.json")

    def connect_argv(self):
        return ["connect", self.protocol, "--properties", self.properties] + self.multipath

    def attach(self, check=True, extra=()):
        seconds, r = self.sim.timed_brick(*(list(extra) + self.connect_argv()), check=check)
        if r.returncode == 0:
            with open(self.device_file, "w") as f:
                f.write(r.stdout)
        return seconds, r

    def detach(self):
        seconds, _ = self.sim.timed_brick("disconnect", self.protocol, "--properties",
                                          self.properties, "--device-info", self.device_file,
                                          *self.multipath)
        return seconds

    def device(self):
        with open(self.device_file) as f:
            return json.load(f)


class OsBrickSide:
    """os-brick 6.1 in its long-lived driver process; times measured around the call."""

    def __init__(self, driver, protocol, properties, multipath=False, scan_attempts=3):
        self.driver = driver
        self.request = {"protocol": protocol, "multipath": multipath,
                        "scan_attempts": scan_attempts}
        self.properties = properties
        self.device = None

    def attach(self):
        reply = self.driver.call(op="connect", properties=self.properties, **self.request)
        self.device = reply.get("device")
        return reply

    def detach(self):
        reply = self.driver.call(op="disconnect", properties=self.properties,
                                 device=self.device, **self.request)
        self.device = None
        return reply


def assert_clean(sim, what):
    """The host holds nothing beyond its start state (pre-attached volumes aside)."""
    left = sim.status()["leftovers"]
    if left:
        raise RuntimeError("%s left %s" % (what, left))


def wall(function):
    t0 = time.monotonic()
    value = function()
    return time.monotonic() - t0, value
