"""The machine and the versions a benchmark ran with, named in every record."""

import os
import platform
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(**extra):
    load = os.getloadavg()[0]
    info = {"cpu": _cpu_model(), "cores": os.cpu_count(), "kernel": platform.release(),
            "load_1m_at_start": round(load, 2)}
    info.update(extra)
    return info


def _package_version(name):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", name], capture_output=True,
                       text=True)
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else None


def _git(*args):
    r = subprocess.run(["git", "-C", SOURCE] + list(args), capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 else None


def versions(**extra):
    commit = _git("rev-parse", "--short=12", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    python = subprocess.run(["/usr/bin/python3", "-c", "import platform; "
                             "print(platform.python_version())"], capture_output=True, text=True)
    info = {"brickworks": (commit or "unknown") + ("+changes" if dirty else ""),
            "os_brick": _package_version("python3-os-brick"),
            "os_brick_python": python.stdout.strip() or None}
    info.update(extra)
    return info


def describe(machine_info, versions_info):
    parts = ["%s x %s" % (machine_info.get("cores"), machine_info.get("cpu")),
             "Linux %s" % machine_info.get("kernel"),
             "load %.1f at start" % machine_info.get("load_1m_at_start", 0)]
    for key in sorted(machine_info):
        if key not in ("cpu", "cores", "kernel", "load_1m_at_start"):
            parts.append("%s %s" % (key, machine_info[key]))
    return "machine: " + ", ".join(parts) + "\nversions: " + ", ".join(
        "%s %s" % (k, v) for k, v in sorted(versions_info.items()) if v is not None)
