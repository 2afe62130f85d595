"""Result records and statistics.

Every benchmark produces records of one shape (bench/README.md):
{"case", "metric", "brickworks", "os_brick", "floor", "unit", "machine", "versions"},
None where a side does not apply. Ratios are computed from them, never stored.
"""

import json
import math
import os


def median(values):
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def p95(values):
    """Nearest-rank 95th percentile: the smallest sample with at least 95% at or below it."""
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def ratio(numerator, denominator):
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def record(case, metric, brickworks, os_brick, floor, unit, machine, versions):
    def clean(value):
        return None if value is None else round(float(value), 3)
    return {"case": case, "metric": metric, "brickworks": clean(brickworks),
            "os_brick": clean(os_brick), "floor": clean(floor), "unit": unit,
            "machine": machine, "versions": versions}


KEYS = ("case", "metric", "brickworks", "os_brick", "floor", "unit", "machine", "versions")


def check(records):
    """Raises ValueError unless records is a non-empty list of well-formed records."""
    if not isinstance(records, list) or not records:
        raise ValueError("expected a non-empty list of records")
    for r in records:
        if not isinstance(r, dict) or tuple(sorted(r)) != tuple(sorted(KEYS)):
            raise ValueError("record with keys %s, expected %s" % (sorted(r), sorted(KEYS)))
        if not isinstance(r["case"], str) or not r["case"]:
            raise ValueError("record without a case: %r" % r)
        if not isinstance(r["metric"], str) or not r["metric"]:
            raise ValueError("record without a metric: %r" % r)
        if not isinstance(r["unit"], str) or not r["unit"]:
            raise ValueError("record without a unit: %r" % r)
        sides = [r[k] for k in ("brickworks", "os_brick", "floor")]
        if all(v is None for v in sides):
            raise ValueError("record with no value at all: %r" % r)
        for v in sides:
            if v is not None and (not isinstance(v, (int, float)) or v < 0 or math.isnan(v)):
                raise ValueError("not a measurement: %r in %r" % (v, r))
        if not isinstance(r["machine"], dict) or not isinstance(r["versions"], dict):
            raise ValueError("machine and versions must be objects: %r" % r)


def write(path, records):
    check(records)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(records, f, indent=1)
        f.write("\n")


def read(path):
    with open(path) as f:
        records = json.load(f)
    check(records)
    return records
