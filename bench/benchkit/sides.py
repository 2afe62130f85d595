"""Attach and detach one volume with each side, timed, on a running simulator."""

import os
import subprocess
import tempfile
import threading
import time


def run_timed(argvs):
    """Starts every argv at once and waits for all; returns the wall time from
    the first start to the last exit and a reply per program (exit, seconds,
    out, err, peak_rss_kib). peak_rss_kib is wait4's ru_maxrss: the largest
    resident set of the program or of any program it ran and waited for."""
    t0 = time.monotonic()
    started = []
    for argv in argvs:
        out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
        started.append((time.monotonic(), subprocess.Popen(argv, stdout=out, stderr=err,
                                                            text=True), out, err))
    # A program still running after 15 minutes is stuck: killed, its reply a failure.
    watchdog = threading.Timer(900, lambda: [p.kill() for _, p, _, _ in started])
    watchdog.start()
    replies = []
    for begun, process, out, err in started:
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.monotonic() - begun
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        replies.append({"exit": process.returncode, "seconds": seconds, "out": out.read(),
                        "err": err.read()[-4000:], "peak_rss_kib": usage.ru_maxrss})
        out.close()
        err.close()
    watchdog.cancel()
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
        self.peak_rss_kib = 0  # the largest of every operation's so far

    def _note(self, reply):
        self.peak_rss_kib = max(self.peak_rss_kib, reply["peak_rss_kib"])

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
        self._note(reply)
        if check and reply["exit"] != 0:
            raise RuntimeError("brick connect exited %d: %s" % (reply["exit"], reply["err"]))
        self.keep_device(reply)
        return reply["seconds"], reply

    def detach(self):
        _, (reply,) = run_timed([self.disconnect_argv()])
        self._note(reply)
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
