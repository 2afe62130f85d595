#!/usr/bin/env python3
"""`brick-lab run --jobs 4` writes what `--jobs 1` writes.

Runs a small scenario set (iSCSI, NVMe-oF, NFS, RBD, local, a fault, CHAP and
one deliberately broken scenario, two seeds each) serially and on four
worker threads, and compares everything the run leaves: results.json, JUnit,
summary.md, summary.html, every trace byte for byte, the reproducer of the
broken scenario, and the summary table. Only wall-clock durations may differ;
the progress lines may come in another order but each run is counted once.

Environment: BRICK_LAB (the brick-lab binary), BRICK_SCENARIOS (the library).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SCENARIOS = [
    "iscsi/single-path.json",
    "iscsi/multipath-2-portals.json",
    "iscsi/device-late.json",
    "iscsi/mutual-chap.json",
    "nvmeof/multipath-2-portals.json",
    "nvmeof/namespace-late.json",
    "nfs/attach-detach.json",
    "rbd/map-unmap.json",
    "local/logical-volume.json",
]
PROGRESS = re.compile(r"^\[(\d+)/(\d+)\] ")
WALL = re.compile(r", [0-9.]+ s wall")


def run(lab, files, jobs, report):
    done = subprocess.run(
        [lab, "run", *files, "--repeat", "2", "--seed", "7", "--jobs", str(jobs),
         "--report", report, "--junit", os.path.join(report, "junit.xml")],
        capture_output=True, text=True, timeout=600, check=False)
    return done.returncode, done.stdout


def without_wall(value):
    if isinstance(value, dict):
        return {k: without_wall(v) for k, v in value.items() if k != "wall_seconds"}
    if isinstance(value, list):
        return [without_wall(v) for v in value]
    return value


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def compare_reports(serial, parallel):
    problems = []
    if without_wall(json.loads(read(f"{serial}/results.json"))) != without_wall(
            json.loads(read(f"{parallel}/results.json"))):
        problems.append("results.json differs")
    junit = [re.sub(r' time="[0-9.]+"', "", read(f"{d}/junit.xml")) for d in (serial, parallel)]
    if junit[0] != junit[1]:
        problems.append("junit.xml differs")
    for name in ("summary.md", "summary.html"):
        texts = [WALL.sub("", read(f"{d}/{name}")) for d in (serial, parallel)]
        if texts[0] != texts[1]:
            problems.append(f"{name} differs")
    for sub in ("traces", "reproducers"):
        names = [sorted(os.listdir(f"{d}/{sub}")) for d in (serial, parallel)]
        if names[0] != names[1]:
            problems.append(f"{sub}: {names[0]} != {names[1]}")
            continue
        for name in names[0]:
            texts = [read(f"{d}/{sub}/{name}") for d in (serial, parallel)]
            if sub == "reproducers":
                texts = [json.dumps(without_wall(json.loads(t)), sort_keys=True) for t in texts]
            if texts[0] != texts[1]:
                problems.append(f"{sub}/{name} differs")
    return problems


def split_output(stdout, total):
    """Progress lines (index, rest without durations) and the lines after them."""
    progress, rest = [], []
    for line in stdout.splitlines():
        match = PROGRESS.match(line)
        if match and not rest:
            assert int(match.group(2)) == total, line
            progress.append((int(match.group(1)), WALL.sub("", line[match.end():])))
        else:
            rest.append(WALL.sub("", line))
    return progress, rest


def main():
    lab = os.environ["BRICK_LAB"]
    library = os.environ["BRICK_SCENARIOS"]
    with tempfile.TemporaryDirectory(prefix="brick-jobs-test-") as tmp:
        files = [os.path.join(library, s) for s in SCENARIOS]
        broken = json.loads(read(os.path.join(library, "iscsi/single-path.json")))
        broken["name"] = "jobs-test-broken"
        broken["steps"][5]["pattern"] = 12  # verifies a pattern never written
        files.append(os.path.join(tmp, "broken.json"))
        with open(files[-1], "w", encoding="utf-8") as f:
            json.dump(broken, f)
        total = 2 * len(files)
        report = os.path.join(tmp, "report")
        outputs = {}
        for jobs in (1, 4):
            code, stdout = run(lab, files, jobs, report)
            if code != 1:  # the broken scenario fails, the others pass
                print(stdout)
                print(f"--jobs {jobs}: exit {code}, expected 1")
                return 1
            shutil.move(report, os.path.join(tmp, f"report-{jobs}"))
            outputs[jobs] = split_output(stdout, total)
        problems = compare_reports(os.path.join(tmp, "report-1"), os.path.join(tmp, "report-4"))
        (serial_progress, serial_rest), (parallel_progress, parallel_rest) = outputs[1], outputs[4]
        if [i for i, _ in serial_progress] != list(range(1, total + 1)) or \
                [i for i, _ in parallel_progress] != list(range(1, total + 1)):
            problems.append("progress lines do not count 1..N once each")
        if sorted(line for _, line in serial_progress) != sorted(
                line for _, line in parallel_progress):
            problems.append("the progress lines report different runs")
        # The reproducer lines and the summary table: same content, same order.
        if serial_rest != parallel_rest:
            problems.append("the summary differs:\n" + "\n".join(serial_rest) + "\n---\n" +
                            "\n".join(parallel_rest))
        summary = [line for line in parallel_rest if re.match(r"^\d+ passed, ", line)]
        print(f"--jobs 1 and --jobs 4: {total} runs, {summary[0] if summary else '?'}")
        for problem in problems:
            print("MISMATCH:", problem)
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
