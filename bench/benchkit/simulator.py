"""The out-of-process simulator for a benchmark: `brick-lab sim up` under a
temporary root, requests on its socket, `brick` runs against it, and os-brick
in a long-lived process inside `brick-lab sim exec`."""

import json
import os
import socket
import struct
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)
SOURCE = os.path.dirname(BENCH)
OS_BRICK_PYTHON = "/usr/bin/python3"  # Debian's, where python3-os-brick is installed


def build_dir():
    return os.environ.get("BRICK_BUILD", os.path.join(SOURCE, "build"))


def tool(name):
    """Path of a built program: brick, brick-lab."""
    paths = {"brick": os.path.join("lib", "brick"), "brick-lab": os.path.join("lab", "brick-lab")}
    path = os.path.join(build_dir(), paths[name])
    if not os.access(path, os.X_OK):
        raise SystemExit("bench: %s not built (cmake --build %s --target brick_cli brick_lab)"
                         % (path, build_dir()))
    return path


def run(argv, check=True, timeout=600, **kwargs):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and r.returncode != 0:
        raise RuntimeError("%s exited %d\nstdout: %s\nstderr: %s"
                           % (argv, r.returncode, r.stdout[-2000:], r.stderr[-2000:]))
    return r


class Simulator:
    """One simulator serving a fabric under a temporary root; stopped on exit."""

    def __init__(self, fabric, seed=1):
        self.tmp = tempfile.TemporaryDirectory(prefix="brick-bench-")
        self.dir = self.tmp.name
        self.root = os.path.join(self.dir, "root")
        self.fabric_file = self.write_json("fabric.json", fabric)
        self.lab = tool("brick-lab")
        self.brick_path = tool("brick")
        try:
            up = run([self.lab, "sim", "up", "--root", self.root, "--fabric", self.fabric_file,
                      "--seed", str(seed)], timeout=120)
        except Exception:
            self.tmp.cleanup()
            raise
        self.info = json.loads(up.stdout)
        self.tools = os.path.join(self.root, "bin")
        self.socket = os.path.join(self.root, "run", "sim.sock")

    def write_json(self, name, value):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            json.dump(value, f)
        return path

    def request(self, message, timeout=60):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(self.socket)
            body = json.dumps(message).encode()
            s.sendall(struct.pack(">I", len(body)) + body)
            header = self._receive(s, 4)
            (length,) = struct.unpack(">I", header)
            return json.loads(self._receive(s, length))

    @staticmethod
    def _receive(s, n):
        data = b""
        while len(data) < n:
            chunk = s.recv(n - len(data))
            if not chunk:
                raise RuntimeError("simulator closed the socket")
            data += chunk
        return data

    def status(self):
        return self.request({"op": "status"})

    def floors(self):
        return self.request({"op": "floors"})

    def exec_argv(self, command):
        return [self.lab, "sim", "exec", "--root", self.root, "--"] + list(command)

    def brick_argv(self, *args):
        """The `brick` tool on this simulator: --root for the trees, --tools for the programs."""
        return [self.brick_path, "--root", self.root, "--tools", self.tools] + list(args)

    def os_brick(self):
        return os_brick_driver(self)

    def library(self):
        return library_driver(self)

    def close(self):
        run([self.lab, "sim", "down", "--root", self.root], check=False, timeout=120)
        self.tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Driver:
    """A long-lived helper process inside `sim exec`, spoken to in JSON lines
    (os_brick_driver.py)."""

    def __init__(self, sim, argv, name, inside=True, env=None):
        """inside: in the simulator's namespace (`sim exec`); else beside it, with env."""
        self.log_path = os.path.join(sim.dir, name + ".log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(sim.exec_argv(argv) if inside else argv,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.log, text=True, env=env)
        self.hello = self._reply()

    def _reply(self):
        while True:
            line = self.process.stdout.readline()
            if not line:
                self.log.flush()
                with open(self.log_path) as f:
                    tail = f.read()[-3000:]
                raise RuntimeError("%s ended; its log:\n%s" % (self.process.args, tail))
            if line.startswith("BENCH "):
                return json.loads(line[6:])

    def call(self, **request):
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self._reply()

    def peak_rss_kib(self):
        """The peak resident set (VmHWM) of every process under the driver, by
        name: the Python process running os-brick and its privsep daemon
        (`sudo privsep-helper`), read from /proc outside the namespace."""
        found = {}
        pids = _descendants(self.process.pid)
        # The privsep daemon may have left the tree (it daemonizes): it is also
        # found as a process in the driver's mount namespace.
        own = _mount_namespace(os.getpid())
        namespaces = {_mount_namespace(p) for p in pids} - {own, None}
        if len(namespaces) == 1:
            namespace = namespaces.pop()
            pids += [int(p) for p in os.listdir("/proc")
                     if p.isdigit() and int(p) not in pids and _mount_namespace(int(p)) == namespace]
        for pid in pids:
            try:
                with open("/proc/%d/status" % pid) as f:
                    status = dict(line.split(":", 1) for line in f if ":" in line)
                with open("/proc/%d/cmdline" % pid, "rb") as f:
                    argv = f.read().split(b"\0")
            except OSError:
                continue  # gone meanwhile
            if "VmHWM" not in status:
                continue
            name = os.path.basename(argv[0].decode(errors="replace")) if argv[0] else "?"
            if name != "sudo" and any(b"privsep-helper" in a for a in argv):
                name = "privsep-helper"
            elif any(a.endswith(b"os_brick_driver.py") for a in argv):
                name = "os-brick"
            kib = int(status["VmHWM"].split()[0])
            found[name] = max(found.get(name, 0), kib)
        return found

    def close(self):
        if self.process.poll() is None:
            try:
                self.call(op="quit")
                self.process.wait(timeout=30)
            except Exception:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _mount_namespace(pid):
    try:
        return os.readlink("/proc/%d/ns/mnt" % pid)
    except OSError:
        return None


def _descendants(pid):
    """pid and every process below it (/proc/PID/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = os.listdir("/proc/%d/task" % current)
        except OSError:
            continue
        for task in tasks:
            try:
                with open("/proc/%d/task/%s/children" % (current, task)) as f:
                    todo += [int(c) for c in f.read().split()]
            except OSError:
                pass
    return found


def library_driver(sim):
    """brickworks' library in one long-lived process, as Nova and Cinder use
    it: the same driver (os_brick_driver.py), its `os_brick` being brickworks'
    os-brick package from the build tree, run in-process on the simulator's
    trees (BRICKWORKS_ROOT, BRICKWORKS_TOOLS)."""
    locks = os.path.join(sim.dir, "library-locks")
    os.makedirs(locks, exist_ok=True)
    site = os.path.join(build_dir(), "python", "site")
    if not os.path.isdir(os.path.join(site, "os_brick")):
        raise SystemExit("bench: %s has no os_brick package (cmake --build %s)"
                         % (site, build_dir()))
    env = dict(os.environ, PYTHONPATH=site, BRICKWORKS_MODE="in-process",
               BRICKWORKS_ROOT=sim.root, BRICKWORKS_TOOLS=sim.tools)
    return Driver(sim, [OS_BRICK_PYTHON, os.path.join(BENCH, "os_brick_driver.py"), locks],
                  "brickworks-library", inside=False, env=env)


def os_brick_driver(sim):
    """os-brick 6.1 in one long-lived process (os_brick_driver.py)."""
    locks = os.path.join(sim.dir, "os-brick-locks")
    os.makedirs(locks, exist_ok=True)
    return Driver(sim, [OS_BRICK_PYTHON, os.path.join(BENCH, "os_brick_driver.py"), locks],
                  "os-brick")
