"""The table a benchmark prints: case, the three sides, and the ratios."""

from benchkit import machine as machine_info
from benchkit.records import ratio


def _value(v):
    if v is None:
        return "-"
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.3g" % v


def _ratio(v):
    return "-" if v is None else "%.2fx" % v


def render(title, records):
    header = ["case", "metric", "unit", "brickworks", "os-brick", "floor",
              "bw/floor", "osb/floor", "osb/bw"]
    rows = []
    for r in records:
        rows.append([r["case"], r["metric"], r["unit"], _value(r["brickworks"]),
                     _value(r["os_brick"]), _value(r["floor"]),
                     _ratio(ratio(r["brickworks"], r["floor"])),
                     _ratio(ratio(r["os_brick"], r["floor"])),
                     _ratio(ratio(r["os_brick"], r["brickworks"]))])
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows)]
    lines = ["== " + title]
    for row in [header] + rows:
        lines.append("  ".join(str(x).rjust(w) if i >= 3 else str(x).ljust(w)
                               for i, (x, w) in enumerate(zip(row, widths))))
    if records:
        lines.append(machine_info.describe(records[0]["machine"], records[0]["versions"]))
    return "\n".join(lines)
