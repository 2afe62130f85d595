#!/usr/bin/python3
"""Drives os-brick 6.1, unmodified, from one long-lived process.

With brickworks' os_brick package first on PYTHONPATH, the same program
drives brickworks' library the way it drives os-brick
(benchkit.simulator.library_driver).

Run where os-brick sees the host to attach on: inside
`brick-lab sim exec --root DIR -- /usr/bin/python3 os_brick_driver.py LOCK_DIR`
(the simulator) or in a QEMU guest (a real kernel). os-brick runs as deployed:
root helper "sudo", privileged calls in an oslo.privsep daemon.

Reads one JSON request per line on stdin and answers each with one line
"BENCH <json>" on stdout (other output of os-brick or its helpers may share
stdout). Times are measured here, around the os-brick call alone.

  {"op": "connect", "protocol": "ISCSI", "multipath": false, "scan_attempts": 3,
   "properties": {...}}                -> {"ok", "seconds", "device" | "error", "type"}
  {"op": "disconnect", "protocol": ..., "multipath": ..., "properties": {...},
   "device": {...}}                    -> {"ok", "seconds", ["error", "type"]}
     (without "device": the device the last connect of these properties returned)
  {"op": "connect_many", "protocol": ..., "multipath": ..., "items": [properties, ...]}
                                       -> {"seconds": wall, "results": [connect replies]}
  {"op": "disconnect_many", "protocol": ..., "multipath": ...,
   "items": [[properties, device], ...]} -> {"seconds": wall, "results": [...]}
  {"op": "quit"}
"""

import json
import sys
import threading
import time


def main():
    lock_dir = sys.argv[1]
    started = time.monotonic()
    from oslo_concurrency import lockutils
    from oslo_config import cfg

    import os_brick
    from os_brick.initiator import connector

    cfg.CONF([], project="brick-bench")
    lockutils.set_defaults(lock_dir)
    os_brick.setup(cfg.CONF)
    connectors = {}
    last_device = {}  # json of the properties -> the device its last connect returned

    def connector_for(request):
        key = (request["protocol"], bool(request.get("multipath")),
               int(request.get("scan_attempts", 3)))
        if key not in connectors:
            connectors[key] = connector.InitiatorConnector.factory(
                key[0], "sudo", use_multipath=key[1], device_scan_attempts=key[2])
        return connectors[key]

    def connect(request, properties):
        t0 = time.monotonic()
        try:
            device = connector_for(request).connect_volume(dict(properties))
            last_device[json.dumps(properties, sort_keys=True)] = device
            return {"ok": True, "seconds": time.monotonic() - t0, "device": device}
        except Exception as e:  # os-brick's failure is a measurement here
            return {"ok": False, "seconds": time.monotonic() - t0, "error": str(e)[:500],
                    "type": type(e).__name__}

    def disconnect(request, properties, device):
        t0 = time.monotonic()
        try:
            connector_for(request).disconnect_volume(dict(properties), device)
            return {"ok": True, "seconds": time.monotonic() - t0}
        except Exception as e:
            return {"ok": False, "seconds": time.monotonic() - t0, "error": str(e)[:500],
                    "type": type(e).__name__}

    def many(function, argument_lists):
        results = [None] * len(argument_lists)

        def one(i):
            results[i] = function(*argument_lists[i])
        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(argument_lists))]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return {"seconds": time.monotonic() - t0, "results": results}

    def answer(value):
        sys.stdout.write("BENCH " + json.dumps(value) + "\n")
        sys.stdout.flush()

    answer({"ready": True, "import_seconds": time.monotonic() - started})
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        op = request.get("op")
        if op == "quit":
            answer({"ok": True})
            break
        if op == "connect":
            answer(connect(request, request["properties"]))
        elif op == "disconnect":
            device = request.get("device") or last_device.get(
                json.dumps(request["properties"], sort_keys=True))
            answer(disconnect(request, request["properties"], device))
        elif op == "connect_many":
            answer(many(lambda p: connect(request, p), [[p] for p in request["items"]]))
        elif op == "disconnect_many":
            answer(many(lambda p, d: disconnect(request, p, d), request["items"]))
        else:
            answer({"ok": False, "error": "unknown op %r" % op})


if __name__ == "__main__":
    main()
