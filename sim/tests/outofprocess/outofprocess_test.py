#!/usr/bin/python3
"""Tests of the out-of-process simulator (`brick-lab sim up|down|exec`).

Needs root (FUSE mounts, namespaces). Paths come from the environment CTest
sets: BRICK_LAB, BRICK (the brick CLI), BRICK_SIM_FABRICS. Wall times of
os-brick and brick attaching the same volume are printed and written to
$BRICK_SIM_TIMINGS (JSON) when set.

    BRICK_LAB=... BRICK=... BRICK_SIM_FABRICS=... python3 outofprocess_test.py [TEST...]
"""

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
BRICK_LAB = os.environ.get("BRICK_LAB", "brick-lab")
BRICK = os.environ.get("BRICK", "brick")
# Debian's Python, where python3-os-brick is installed.
OS_BRICK_PYTHON = os.environ.get("BRICK_SIM_OS_BRICK_PYTHON", "/usr/bin/python3")
FABRICS = os.environ.get("BRICK_SIM_FABRICS", os.path.join(HERE, "..", "..", "fabrics"))

IQN = "iqn.2010-10.org.openstack:volume-1"
WWID = "360014050aabbccdd0000000000000001"
PROPERTIES = {
    "target_portal": "192.168.122.10:3260",
    "target_iqn": IQN,
    "target_lun": 1,
    "auth_method": "CHAP",
    "auth_username": "chapuser",
    "auth_password": "chapsecret-7f3a",
    "volume_id": "vol-1",
}

# sim/fabrics/fc_two_hbas.json: two HBA ports, one array with two target ports.
FC_HBAS = ["10000090fa0d6f91", "10000090fa0d6f92"]
FC_PORTS = ["500a098189a0b001", "500a098289a0b001"]
FC_WWID = "3600a098038303053453f463045747a31"
# What Cinder's FC drivers send without a fabric lookup service.
FC_PROPERTIES = {
    "target_discovered": False,
    "target_wwn": FC_PORTS,
    "target_lun": 1,
    "initiator_target_map": {hba: FC_PORTS for hba in FC_HBAS},
    "volume_id": "vol-fc1",
}


def run(argv, check=True, timeout=120, **kwargs):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError("%s exited %d\nstdout: %s\nstderr: %s" %
                             (argv, result.returncode, result.stdout, result.stderr))
    return result


def mounts_under(root):
    root = os.path.realpath(root)
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4].encode().decode("unicode_escape")
            if point == root or point.startswith(root + "/"):
                found.append(point)
    return found


def process_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except FileNotFoundError:
        return False


def processes_running(executable):
    """Pids of processes whose executable is the file at path (by inode)."""
    want = os.stat(executable)
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            st = os.stat("/proc/%s/exe" % entry)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) == (want.st_dev, want.st_ino) and process_alive(int(entry)):
            pids.append(int(entry))
    return pids


class Sim:
    """One simulator under a temporary root, stopped on exit."""

    def __init__(self, fabric="single_chap.json", seed=1):
        self.tmp = tempfile.TemporaryDirectory(prefix="brick-sim-")
        self.root = os.path.join(self.tmp.name, "root")
        up = run([BRICK_LAB, "sim", "up", "--root", self.root,
                  "--fabric", os.path.join(FABRICS, fabric), "--seed", str(seed)])
        self.info = json.loads(up.stdout)
        self.pid = self.info["pid"]
        self.tools = os.path.join(self.root, "bin")

    def status(self):
        return json.loads(run([BRICK_LAB, "sim", "status", "--root", self.root]).stdout)

    def brick(self, *args, check=True, **kwargs):
        return run([BRICK, "--root", self.root, "--tools", self.tools] + list(args),
                   check=check, **kwargs)

    def write_json(self, name, value):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            json.dump(value, f)
        return path

    def down(self):
        return json.loads(run([BRICK_LAB, "sim", "down", "--root", self.root]).stdout)

    def close(self):
        run([BRICK_LAB, "sim", "down", "--root", self.root], check=False)
        self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class OutOfProcessTest(unittest.TestCase):
    timings = {}

    def assert_clean_down(self, sim):
        report = sim.down()
        self.assertEqual(mounts_under(sim.root), [], report)
        self.assertFalse(process_alive(sim.pid), report)
        self.assertEqual(processes_running(os.path.join(sim.tools, "brick-sim-tool")), [], report)
        return report

    def test_up_serves_trees_and_tools(self):
        with Sim() as sim:
            root = sim.root
            self.assertTrue(os.path.isdir(os.path.join(root, "sys/class/iscsi_host")))
            with open(os.path.join(root, "etc/iscsi/initiatorname.iscsi")) as f:
                self.assertIn("InitiatorName=iqn.1993-08.org.debian:01:sim", f.read())
            sda = os.stat(os.path.join(root, "dev/sda"))
            self.assertTrue(stat.S_ISBLK(sda.st_mode))
            self.assertEqual(os.major(sda.st_rdev), 8)
            # The mount is nodev: a simulated node never opens the real device.
            with self.assertRaises(PermissionError):
                open(os.path.join(root, "dev/sda"), "rb")
            r = run([os.path.join(sim.tools, "iscsiadm"), "-m", "session"], check=False)
            self.assertEqual(r.returncode, 21, r)
            self.assertIn("No active sessions", r.stderr)
            r = run([os.path.join(sim.tools, "brick-sim-tool"), "iscsiadm", "-m", "discovery",
                     "-t", "sendtargets", "-p", "192.168.122.10:3260"], check=False)
            self.assertEqual(r.returncode, 0, r)
            self.assertIn(IQN, r.stdout)
            # Kernel semantics of a sysfs write: a targeted scan returns once the
            # scsi_device exists, a delete once the device is gone.
            r = run([os.path.join(sim.tools, "iscsiadm"), "-m", "node", "-T", IQN, "-p",
                     "192.168.122.10:3260", "--op", "update", "-n", "node.session.auth.authmethod",
                     "-v", "CHAP"], check=False)
            for key, value in (("node.session.auth.username", "chapuser"),
                               ("node.session.auth.password", "chapsecret-7f3a")):
                run([os.path.join(sim.tools, "iscsiadm"), "-m", "node", "-T", IQN, "-p",
                     "192.168.122.10:3260", "--op", "update", "-n", key, "-v", value])
            run([os.path.join(sim.tools, "iscsiadm"), "-m", "node", "-T", IQN, "-p",
                 "192.168.122.10:3260", "--login"])
            hosts = os.listdir(os.path.join(root, "sys/class/iscsi_host"))
            self.assertEqual(len(hosts), 1)
            with open(os.path.join(root, "sys/class/scsi_host", hosts[0], "scan"), "w") as f:
                f.write("0 0 1")
            devices = os.listdir(os.path.join(root, "sys/class/scsi_device"))
            address = hosts[0][4:] + ":0:0:1"
            self.assertIn(address, devices)
            device_dir = os.path.join(root, "sys/class/scsi_device", address)
            real_dir = os.path.realpath(device_dir)
            self.assertTrue(os.path.isdir(real_dir))
            deadline = time.monotonic() + 10
            while not os.path.exists(os.path.join(root, "dev/disk/by-id/scsi-" + WWID)):
                self.assertLess(time.monotonic(), deadline, "udev link never appeared")
                time.sleep(0.02)
            with open(os.path.join(root, "sys/class/scsi_device", address,
                                   "device/delete"), "w") as f:
                f.write("1")
            self.assertNotIn(address, os.listdir(os.path.join(root, "sys/class/scsi_device")))
            # The kernel keeps names it looked up for a while; a node the model
            # removed is still gone at once through them, and one it adds
            # again under the same name is the new node.
            self.assertFalse(os.path.exists(real_dir))
            self.assertFalse(os.path.exists(os.path.join(real_dir, "device/state")))
            with open(os.path.join(root, "sys/class/scsi_host", hosts[0], "scan"), "w") as f:
                f.write("0 0 1")
            with open(os.path.join(real_dir, "device/state")) as f:
                self.assertEqual(f.read().strip(), "running")
            with open(os.path.join(real_dir, "device/delete"), "w") as f:
                f.write("1")
            self.assertFalse(os.path.exists(real_dir))
            with self.assertRaises(OSError):
                with open(os.path.join(root, "sys/class/scsi_host", hosts[0], "scan"), "w") as f:
                    f.write("not a scan")
            run([os.path.join(sim.tools, "iscsiadm"), "-m", "node", "-T", IQN, "-p",
                 "192.168.122.10:3260", "--logout"])
            self.assert_clean_down(sim)

    def test_brick_attach_detach(self):
        with Sim() as sim:
            props = sim.brick("properties")
            identity = json.loads(props.stdout)
            self.assertEqual(identity["initiator"], "iqn.1993-08.org.debian:01:sim")
            self.assertEqual(identity["host"], "brick-sim")
            properties = sim.write_json("properties.json", PROPERTIES)
            t0 = time.monotonic()
            connected = sim.brick("connect", "iscsi", "--properties", properties)
            t1 = time.monotonic()
            device = json.loads(connected.stdout)
            self.assertEqual(device["path"], "/dev/sdb")
            self.assertTrue(stat.S_ISBLK(os.stat(os.path.join(sim.root, "dev/sdb")).st_mode))
            state = sim.status()
            self.assertEqual(state["sessions"], 1)
            self.assertIn({"address": "2:0:0:1", "disk": "sdb"}, state["devices"])
            info = sim.write_json("device.json", device)
            t2 = time.monotonic()
            sim.brick("disconnect", "iscsi", "--properties", properties, "--device-info", info)
            t3 = time.monotonic()
            state = sim.status()
            self.assertEqual(state["leftovers"], [])
            self.assertEqual(state["sessions"], 0)
            self.assertFalse(os.path.exists(os.path.join(sim.root, "dev/sdb")))
            with open(os.path.join(sim.root, "run/trace.jsonl")) as f:
                trace = f.read()
            self.assertIn('"kind":"run"', trace)
            self.assertNotIn("chapsecret-7f3a", trace)
            self.assert_clean_down(sim)
            print("brick --root: connect %.3f s, disconnect %.3f s" % (t1 - t0, t3 - t2))

    def test_exec_namespace(self):
        with Sim() as sim:
            probe = (
                "import json, os, subprocess\n"
                "r = subprocess.run(['sudo', 'iscsiadm', '-m', 'session'], capture_output=True,"
                " text=True)\n"
                "s = subprocess.run(['/lib/udev/scsi_id', '--page', '0x83', '--whitelisted',"
                " '/dev/sda'], capture_output=True, text=True)\n"
                "open('/dev/null', 'w').write('x')\n"
                "import socket\n"
                "print(json.dumps({'links': [n for _, n in socket.if_nameindex()],\n"
                " 'iscsi_host': os.path.isdir('/sys/class/iscsi_host'),\n"
                " 'initiator': open('/etc/iscsi/initiatorname.iscsi').read(),\n"
                " 'sda_regular': os.path.isfile('/dev/sda'),\n"
                " 'urandom': len(open('/dev/urandom', 'rb').read(4)),\n"
                " 'iscsiadm': [r.returncode, r.stderr], 'scsi_id': [s.returncode, s.stdout]}))\n")
            r = run([BRICK_LAB, "sim", "exec", "--root", sim.root, "--", "python3", "-c", probe])
            seen = json.loads(r.stdout)
            self.assertEqual(seen["links"], ["lo"])
            self.assertTrue(seen["iscsi_host"])
            self.assertIn("iqn.1993-08.org.debian:01:sim", seen["initiator"])
            self.assertTrue(seen["sda_regular"])
            self.assertEqual(seen["urandom"], 4)
            self.assertEqual(seen["iscsiadm"][0], 21, seen)
            self.assertIn("No active sessions", seen["iscsiadm"][1])
            self.assertEqual(seen["scsi_id"][0], 0, seen)
            # The host's own mounts are untouched.
            self.assertEqual(mounts_under(sim.root), [os.path.realpath(sim.root) + "/.fs"])
            self.assert_clean_down(sim)

    def test_os_brick_and_brick_side_by_side(self):
        with Sim() as sim:
            properties = sim.write_json("properties.json", PROPERTIES)
            locks = os.path.join(sim.tmp.name, "locks")
            os.makedirs(locks)
            t0 = time.monotonic()
            r = run([BRICK_LAB, "sim", "exec", "--root", sim.root, "--", OS_BRICK_PYTHON,
                     os.path.join(HERE, "os_brick_attach.py"), properties, locks], timeout=300)
            t1 = time.monotonic()
            result = json.loads(r.stdout.strip().splitlines()[-1])
            self.assertEqual(result["initiator"], "iqn.1993-08.org.debian:01:sim")
            self.assertEqual(result["device"]["path"], "/dev/sdb")
            self.assertEqual(result["device"]["scsi_wwn"], WWID)
            self.assertEqual(result["attached"]["realpath"], "/dev/sdb")
            self.assertEqual(result["attached"]["size"], 1073741824)
            self.assertTrue(result["gone"])
            self.assertEqual(result["sessions"], [])
            self.assertEqual(sim.status()["leftovers"], [])

            t2 = time.monotonic()
            connected = sim.brick("connect", "iscsi", "--properties", properties)
            t3 = time.monotonic()
            info = sim.write_json("device.json", json.loads(connected.stdout))
            sim.brick("disconnect", "iscsi", "--properties", properties, "--device-info", info)
            t4 = time.monotonic()
            self.assertEqual(sim.status()["leftovers"], [])
            timings = {
                "os_brick": {"attach_s": result["attach_s"], "detach_s": result["detach_s"],
                             "import_s": result["import_s"], "process_s": t1 - t0},
                "brick": {"connect_process_s": t3 - t2, "disconnect_process_s": t4 - t3,
                          "process_s": t4 - t2},
            }
            print("wall times: " + json.dumps(timings, indent=1))
            if os.environ.get("BRICK_SIM_TIMINGS"):
                with open(os.environ["BRICK_SIM_TIMINGS"], "w") as f:
                    json.dump(timings, f, indent=1)
            self.assert_clean_down(sim)

    def test_os_brick_fc_and_brick_side_by_side(self):
        """Debian's os-brick FibreChannelConnector and brick on the same FC host.

        Both read the same HBA ports, bring in the same four (HBA port, target
        port) paths of the LUN and leave nothing behind on detach; brick does
        it with targeted scans only.
        """
        with Sim("fc_two_hbas.json") as sim:
            properties = sim.write_json("fc-properties.json", FC_PROPERTIES)
            locks = os.path.join(sim.tmp.name, "locks")
            os.makedirs(locks)
            t0 = time.monotonic()
            r = run([BRICK_LAB, "sim", "exec", "--root", sim.root, "--", OS_BRICK_PYTHON,
                     os.path.join(HERE, "os_brick_fc_attach.py"), properties, locks],
                    timeout=300)
            t1 = time.monotonic()
            os_brick = json.loads(r.stdout.strip().splitlines()[-1])
            self.assertEqual(os_brick["wwpns"], FC_HBAS)
            self.assertEqual(os_brick["wwnns"], ["20000090fa0d6f91", "20000090fa0d6f92"])
            self.assertEqual(os_brick["device"]["scsi_wwn"], FC_WWID)
            self.assertEqual(os_brick["attached"]["size"], 1073741824)
            by_path = sorted("pci-0000:05:00.%d-fc-0x%s-lun-1" % (h, p)
                             for h in (0, 1) for p in FC_PORTS)
            self.assertEqual(os_brick["attached"]["by_path"], by_path)
            os_brick_addresses = sorted(os_brick["attached"]["disks"].values())
            self.assertEqual(len(os_brick_addresses), 4, os_brick)
            self.assertEqual(os_brick["disks_after"], {})
            status = sim.status()
            # os-brick looks for the target ids in fc_transport, which has no
            # target before its first LUN is scanned, and falls back to
            # wildcard scans; counted, not required.
            os_brick_wildcards = status["wildcard_scans"]
            self.assertEqual(status["leftovers"], [])

            booted = {d["address"] for d in status["devices"]}
            t2 = time.monotonic()
            connected = sim.brick("connect", "fibre_channel", "--properties", properties)
            t3 = time.monotonic()
            device = json.loads(connected.stdout)
            self.assertEqual(device["scsi_wwn"], FC_WWID)
            # brick returns with the first ready path (no multipathd here);
            # udev names the others as the model's timing says.
            for _ in range(50):
                paths = json.loads(sim.brick("paths", "fibre_channel", "--properties",
                                             properties).stdout)
                if len(paths) == len(by_path):
                    break
                time.sleep(0.2)
            self.assertEqual(sorted(os.path.basename(p) for p in paths), by_path)
            status = sim.status()
            brick_addresses = sorted(d["address"] for d in status["devices"]
                                     if "disk" in d and d["address"] not in booted)
            self.assertEqual(brick_addresses, os_brick_addresses)
            info = sim.write_json("fc-device.json", device)
            sim.brick("disconnect", "fibre_channel", "--properties", properties,
                      "--device-info", info)
            t4 = time.monotonic()
            status = sim.status()
            self.assertEqual(status["wildcard_scans"], os_brick_wildcards)  # brick: none
            self.assertEqual(status["leftovers"], [])
            print("FC wall times: " + json.dumps({
                "os_brick_wildcard_scans": os_brick_wildcards,
                "os_brick": {"attach_s": os_brick["attach_s"], "detach_s": os_brick["detach_s"],
                             "import_s": os_brick["import_s"], "process_s": t1 - t0},
                "brick": {"connect_process_s": t3 - t2, "disconnect_process_s": t4 - t3}},
                indent=1))
            self.assert_clean_down(sim)

    def test_down_after_client_killed_in_a_hung_tool(self):
        with Sim() as sim:
            run([BRICK_LAB, "sim", "fault", "--root", sim.root,
                 json.dumps({"fault": "tool_hangs", "tool": "iscsiadm"})])
            properties = sim.write_json("properties.json", PROPERTIES)
            client = subprocess.Popen(
                [BRICK, "--root", sim.root, "--tools", sim.tools, "connect", "iscsi",
                 "--properties", properties], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            tool = os.path.join(sim.tools, "brick-sim-tool")
            deadline = time.monotonic() + 20
            while not processes_running(tool):
                self.assertLess(time.monotonic(), deadline, "brick never ran a fake tool")
                time.sleep(0.02)
            client.send_signal(signal.SIGKILL)
            client.wait()
            # The hung tool outlives brick; sim down leaves no such process.
            self.assertNotEqual(processes_running(tool), [])
            report = self.assert_clean_down(sim)
            self.assertEqual(report["daemon"], "stopped")

    def test_down_after_client_killed_mid_attach(self):
        with Sim() as sim:
            properties = sim.write_json("properties.json", PROPERTIES)
            client = subprocess.Popen(
                [BRICK, "--root", sim.root, "--tools", sim.tools, "connect", "iscsi",
                 "--properties", properties], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 20
            while sim.status()["sessions"] == 0:
                self.assertLess(time.monotonic(), deadline, "no session appeared")
                time.sleep(0.01)
            client.send_signal(signal.SIGKILL)
            client.wait()
            self.assert_clean_down(sim)

    def test_down_after_daemon_killed(self):
        with Sim() as sim:
            properties = sim.write_json("properties.json", PROPERTIES)
            sim.brick("connect", "iscsi", "--properties", properties)
            os.kill(sim.pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while process_alive(sim.pid):
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.01)
            # The mount stays behind, dead, until sim down.
            self.assertNotEqual(mounts_under(sim.root), [])
            with self.assertRaises(OSError):
                os.listdir(os.path.join(sim.root, "sys/class"))
            report = self.assert_clean_down(sim)
            self.assertIn("not running", report["daemon"])
            self.assertIn(os.path.realpath(sim.root) + "/.fs", report["unmounted"])
            # And the root can serve again.
            again = run([BRICK_LAB, "sim", "up", "--root", sim.root, "--fabric",
                         os.path.join(FABRICS, "single_chap.json")])
            self.assertTrue(process_alive(json.loads(again.stdout)["pid"]))
            self.assert_clean_down(sim)


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("skipped: needs root (FUSE mounts and namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
