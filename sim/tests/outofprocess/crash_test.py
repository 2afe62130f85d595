#!/usr/bin/python3
"""Crash safety out of process: `brick connect` and `brick disconnect` are
killed with SIGKILL at random points against the FUSE simulator (`brick-lab
sim up`), then a new `brick disconnect` must leave nothing of the volume on
the simulated host (`brick-lab sim status` leftovers).

Needs root (FUSE). Paths come from the environment CTest sets: BRICK_LAB,
BRICK, BRICK_SIM_FABRICS; BRICK_CRASH_SEED and BRICK_CRASH_KILLS pick the
kill points (default seed 1, 6 kills per operation).

    BRICK_LAB=... BRICK=... BRICK_SIM_FABRICS=... python3 crash_test.py
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from outofprocess_test import BRICK, PROPERTIES, Sim  # noqa: E402

SEED = int(os.environ.get("BRICK_CRASH_SEED", "1"))
KILLS = int(os.environ.get("BRICK_CRASH_KILLS", "6"))


class CrashTest(unittest.TestCase):

    def start(self, sim, *args):
        return subprocess.Popen([BRICK, "--root", sim.root, "--tools", sim.tools] + list(args),
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def timed(self, sim, *args):
        t0 = time.monotonic()
        result = sim.brick(*args)
        return result, time.monotonic() - t0

    def kill_after(self, process, delay):
        """SIGKILL process after delay seconds; whether it was still running."""
        try:
            process.wait(timeout=delay)
            return False
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
            return True

    def converge(self, sim, properties, device_info, what):
        sim.brick("disconnect", "iscsi", "--properties", properties, "--device-info", device_info,
                  timeout=180)
        status = sim.status()
        self.assertEqual(status["leftovers"], [], what)
        self.assertEqual(status["sessions"], 0, what)

    def test_killed_brick_then_disconnect_converges(self):
        draw = random.Random(SEED)
        with Sim() as sim:
            properties = sim.write_json("properties.json", PROPERTIES)
            empty = sim.write_json("empty-device.json", {})
            # How long each operation takes here, to draw kill points inside it.
            connected, t_connect = self.timed(sim, "connect", "iscsi", "--properties", properties)
            device = sim.write_json("device.json", json.loads(connected.stdout))
            _, t_disconnect = self.timed(sim, "disconnect", "iscsi", "--properties", properties,
                                         "--device-info", device)
            self.assertEqual(sim.status()["leftovers"], [])
            killed = {"connect": 0, "disconnect": 0}
            for i in range(KILLS):
                delay = draw.uniform(0.0, t_connect)
                process = self.start(sim, "connect", "iscsi", "--properties", properties)
                killed["connect"] += self.kill_after(process, delay)
                self.converge(sim, properties, empty,
                              "connect killed after %.3f s (kill %d, seed %d)" % (delay, i, SEED))
            for i in range(KILLS):
                connected = sim.brick("connect", "iscsi", "--properties", properties)
                device = sim.write_json("device.json", json.loads(connected.stdout))
                delay = draw.uniform(0.0, t_disconnect)
                process = self.start(sim, "disconnect", "iscsi", "--properties", properties,
                                     "--device-info", device)
                killed["disconnect"] += self.kill_after(process, delay)
                self.converge(sim, properties, device,
                              "disconnect killed after %.3f s (kill %d, seed %d)" % (delay, i, SEED))
            print("connect %.3f s, disconnect %.3f s; killed mid-connect %d of %d, "
                  "mid-disconnect %d of %d" % (t_connect, t_disconnect, killed["connect"], KILLS,
                                               killed["disconnect"], KILLS))
            # Most kill points must land inside the operation, or the test proves little.
            self.assertGreaterEqual(killed["connect"], KILLS // 2)
            self.assertGreaterEqual(killed["disconnect"], KILLS // 2)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("skipped: needs root (FUSE mounts)")
        sys.exit(77)
    unittest.main(verbosity=2)
