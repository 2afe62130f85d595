"""Attach and detach one volume with each side, timed, on a running simulator."""

import os
import subprocess
import time


def run_timed(argvs):
    """Starts every argv at once and waits for all; returns the wall time from
    the first start to the last exit and a reply per program (exit, seconds,
    out, err)."""
    t0 = time.monotonic()
    started = [(time.monotonic(), subprocess.Popen(a, stdout=subprocess.PIPE,
                                                    stderr=subprocess.PIPE, text=True))
               for a in argvs]
    replies = []
    for begun, process in started:
        out, err = process.communicate(timeout=900)
        replies.append({"exit": process.returncode, "seconds": time.monotonic() - begun,
                        "out": out, "err": err[-4000:]})
    return time.monotonic() - t0, replies


class BrickSide:
    """brickworks through the `brick` tool (--root and --tools on the simulator),
    one process per operation, timed from the start of the process to its exit."""

    def __init__(self, sim, protocol, properties, multipath=False, name="volume"):
        self.sim = sim
        self.protocol = protocol
        self.multipath = ["--multipath"] if multipath else []
        self.properties = sim.write_json(name + "-properties.json", properties)
        self.device_file = os.path.join(sim.dir, name + "-device.json")

    def connect_argv(self, extra=()):
        return self.sim.brick_argv(*(list(extra) + [
            "connect", self.protocol, "--properties", self.properties] + self.multipath))

    def disconnect_argv(self):
        return self.sim.brick_argv("disconnect", self.protocol, "--properties", self.properties,
                                   "--device-info", self.device_file, *self.multipath)

    def keep_device(self, reply):
        if reply["exit"] == 0:
            with open(self.device_file, "w") as f:
                f.write(reply["out"])

    def attach(self, check=True, extra=()):
        """Returns (seconds, reply); the reply has exit, out and err."""
        _, (reply,) = run_timed([self.connect_argv(extra)])
        if check and reply["exit"] != 0:
            raise RuntimeError("brick connect exited %d: %s" % (reply["exit"], reply["err"]))
        self.keep_device(reply)
        return reply["seconds"], reply

    def detach(self):
        _, (reply,) = run_timed([self.disconnect_argv()])
        if reply["exit"] != 0:
            raise RuntimeError("brick disconnect exited %d: %s" % (reply["exit"], reply["err"]))
        return reply["seconds"]


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
