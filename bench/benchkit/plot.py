"""The PNG of a run (gnuplot, Debian's gnuplot-nox): ratios to the floor of the
latency medians, the scaling and concurrency ratios against their targets,
the time until a device that never appears is reported, and the peak resident
memory of each side."""

import os
import subprocess
import tempfile

from benchkit.records import ratio

SCRIPT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "plot.gp")


def _label(r):
    where = "qemu " if r["machine"].get("guest") else ""
    return (where + r["case"] + " " + r["metric"].replace("_median", "")).replace("_", "-")


def _rows(rows):
    return "".join('"%s" %s %s\n' % (label, "NaN" if a is None else "%.4g" % a,
                                      "NaN" if b is None else "%.4g" % b)
                   for label, a, b in rows)


def plot(records, png):
    latency = [(_label(r), ratio(r["brickworks"], r["floor"]), ratio(r["os_brick"], r["floor"]))
               for r in records if r["unit"] == "ms" and r["metric"].endswith("_median")
               and r["floor"]]
    ratios = [(_label(r), r["brickworks"], r["os_brick"]) for r in records
              if r["unit"] == "ratio" and r["metric"] != "cost_per_op"]
    failure = [(_label(r), r["brickworks"], r["os_brick"]) for r in records
               if r["unit"] == "s" and "time_to_failure" in r["metric"]]
    memory = [(_label(r), r["brickworks"], r["os_brick"]) for r in records
              if r["unit"] == "MiB" and r["metric"] == "peak_rss"]
    throughput = [r for r in records if r["unit"] == "1/min"]
    title = "brickworks vs os-brick 6.1"
    if throughput:
        title += "; fault scenarios: %.0f per minute (target >= 1000)" % throughput[0]["brickworks"]
    with tempfile.TemporaryDirectory(prefix="brick-bench-plot-") as work:
        files = []
        for name, rows in (("latency", latency), ("ratios", ratios), ("failure", failure),
                           ("memory", memory)):
            path = os.path.join(work, name + ".dat")
            with open(path, "w") as f:
                f.write(_rows(rows) if rows else '"none" NaN NaN\n')
            files.append(path)
        present = "; ".join("has_%s=%d" % (name, 1 if rows else 0) for name, rows in (
            ("latency", latency), ("ratios", ratios), ("failure", failure), ("memory", memory)))
        subprocess.run(["gnuplot", "-e", "latency='%s'; ratios='%s'; failure='%s'; memory='%s'; "
                        "out='%s'; heading='%s'; %s" % (files[0], files[1], files[2], files[3],
                                                        png, title, present), SCRIPT],
                       check=True)
