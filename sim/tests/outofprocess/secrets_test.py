#!/usr/bin/python3
"""CHAP secrets never leave the process.

A CHAP and a mutual-CHAP (with discovery CHAP) attach and detach through the
`brick` tool on the out-of-process simulator, and the CHAP scenarios through
`brick-lab run` on the in-process simulator (one of them failing on purpose,
so a reproducer is written and replayed), all with logs at debug level. Every
byte they print or write is searched for every secret: stdout, stderr, the
--trace files, the simulator's own trace and logs, the report folder (traces,
results, summaries, reproducers) and the JUnit file.

Paths come from the environment CTest sets: BRICK_LAB, BRICK, BRICK_SIM_FABRICS,
BRICK_SCENARIOS. The `brick` case needs root (FUSE); exit 77 skips it.

    BRICK_LAB=... BRICK=... python3 secrets_test.py SecretsTest.test_brick_lab_run
"""

import copy
import json
import os
import pathlib
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from outofprocess_test import BRICK, BRICK_LAB, FABRICS, IQN, PROPERTIES, Sim, run  # noqa: E402

SCENARIOS = os.environ.get("BRICK_SCENARIOS", os.path.join(HERE, "..", "..", "..", "scenarios"))
MUTUAL = {"username": "brick-target", "password": "Mutual-target-Secret-5"}
DISCOVERY = {"username": "brick-discovery", "password": "Discovery-Secret-6"}
WRONG = "Wrong-battery-Secret-99"


def secrets_in(value, secret=False):
    """Every string under a key naming a secret (password, password_in, ...)."""
    if isinstance(value, str):
        return {value} if secret else set()
    if isinstance(value, list):
        return set().union(*(secrets_in(v, secret) for v in value)) if value else set()
    if isinstance(value, dict):
        found = set()
        for key, item in value.items():
            found |= secrets_in(item, secret or "password" in key.lower())
        return found
    return set()


class Evidence:
    """Everything a run printed or wrote, to be searched."""

    def __init__(self):
        self.parts = []

    def add(self, name, text):
        self.parts.append((name, text if isinstance(text, str) else text.decode("latin-1")))

    def add_result(self, name, result):
        self.add(name + " stdout", result.stdout)
        self.add(name + " stderr", result.stderr)

    def add_tree(self, folder):
        for path in sorted(pathlib.Path(folder).rglob("*")):
            if path.is_file():
                self.add(str(path), path.read_bytes())

    def leaks(self, secrets):
        return ["%r in %s" % (secret, name) for secret in sorted(secrets)
                for name, text in self.parts if secret in text]


class SecretsTest(unittest.TestCase):

    def test_brick_cli_chap_and_mutual_chap(self):
        with open(os.path.join(FABRICS, "single_chap.json")) as f:
            fabric = json.load(f)
        fabric["iscsi"]["targets"][0]["mutual_chap"] = MUTUAL
        fabric["iscsi"]["discovery_chap"] = DISCOVERY
        chap = dict(PROPERTIES)
        mutual = dict(PROPERTIES, auth_username_in=MUTUAL["username"],
                      auth_password_in=MUTUAL["password"], discovery_auth_method="CHAP",
                      discovery_auth_username=DISCOVERY["username"],
                      discovery_auth_password=DISCOVERY["password"])
        wrong = dict(PROPERTIES, auth_password=WRONG)
        secrets = secrets_in([fabric, chap, mutual, wrong])
        self.assertEqual(len(secrets), 4, secrets)
        evidence = Evidence()
        with tempfile.TemporaryDirectory(prefix="brick-secrets-") as tmp:
            fabric_file = os.path.join(tmp, "mutual_chap.json")
            with open(fabric_file, "w") as f:
                json.dump(fabric, f)
            for name, properties, fabric_path in (
                    ("chap", chap, os.path.join(FABRICS, "single_chap.json")),
                    ("mutual", mutual, fabric_file)):
                with Sim(fabric=fabric_path) as sim:
                    evidence.add("sim up", json.dumps(sim.info))
                    props = sim.write_json(name + ".json", {"driver_volume_type": "iscsi",
                                                           "data": properties})
                    trace = os.path.join(tmp, name + "-trace.jsonl")
                    common = ["--log-level", "debug", "--trace", trace]
                    for log_format in ("json", "human"):
                        result = sim.brick(*common, "--log-format", log_format, "validate",
                                           "iscsi", "--properties", props)
                        evidence.add_result(name + " validate", result)
                    result = sim.brick(*common, "connect", "iscsi", "--multipath",
                                       "--properties", props)
                    evidence.add_result(name + " connect", result)
                    device = sim.write_json(name + "-device.json", json.loads(result.stdout))
                    result = sim.brick(*common, "disconnect", "iscsi", "--multipath",
                                       "--properties", props, "--device-info", device)
                    evidence.add_result(name + " disconnect", result)
                    # A refused secret: the error names the failure, never the secret.
                    bad = sim.write_json(name + "-wrong.json", wrong)
                    for log_format in ("json", "human"):
                        result = sim.brick(*common, "--log-format", log_format, "connect",
                                           "iscsi", "--properties", bad, check=False)
                        self.assertEqual(result.returncode, 13, result.stderr)
                        evidence.add_result(name + " wrong secret", result)
                    self.assertEqual(sim.status()["leftovers"], [])
                    evidence.add("status", json.dumps(sim.status()))
                    evidence.add_tree(os.path.join(sim.root, "run"))
                    evidence.add_result("sim down", run([BRICK_LAB, "sim", "down", "--root",
                                                         sim.root]))
                with open(trace) as f:
                    traced = f.read()
                self.assertIn('"kind":"run"', traced)
                self.assertIn(IQN, traced)
                evidence.add(trace, traced)
        self.assertEqual(evidence.leaks(secrets), [])

    def test_brick_lab_run_chap_scenarios(self):
        evidence = Evidence()
        with tempfile.TemporaryDirectory(prefix="brick-secrets-") as tmp:
            folder = pathlib.Path(tmp, "scenarios")
            folder.mkdir()
            documents = []
            for name in ("chap", "mutual-chap", "discovery-chap", "chap-wrong-secret"):
                with open(os.path.join(SCENARIOS, "iscsi", name + ".json")) as f:
                    documents.append(json.load(f))
            # One that fails on purpose: a reproducer holding a CHAP scenario.
            failing = copy.deepcopy(documents[0])
            failing["name"] = "iscsi-chap-failing-on-purpose"
            failing["steps"] = [{"connect": "vol1"}, {"connect": "vol1", "expect": "would_lose_data"}]
            documents.append(failing)
            for document in documents:
                (folder / (document["name"] + ".json")).write_text(json.dumps(document))
            secrets = secrets_in(documents)
            self.assertGreaterEqual(len(secrets), 5, secrets)
            report = pathlib.Path(tmp, "report")
            junit = pathlib.Path(tmp, "junit.xml")
            result = run([BRICK_LAB, "--log-level", "debug", "run", str(folder), "--report",
                          str(report), "--junit", str(junit)], check=False, timeout=600)
            evidence.add_result("brick-lab run", result)
            self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
            self.assertIn("4 passed, 1 failed", result.stdout)
            reproducers = list(report.glob("reproducers/*.json"))
            self.assertEqual(len(reproducers), 1, result.stdout)
            # The reproducer holds placeholders, not secrets, and still replays.
            replay = run([BRICK_LAB, "--log-level", "debug", "replay", str(reproducers[0])],
                         check=False, timeout=600)
            evidence.add_result("brick-lab replay", replay)
            self.assertEqual(replay.returncode, 0, replay.stdout + replay.stderr)
            self.assertIn("outcome reproduced", replay.stdout)
            self.assertIn("traces identical", replay.stdout)
            evidence.add_tree(report)
            evidence.add(str(junit), junit.read_bytes())
            self.assertTrue(any("traces" in name for name, _ in evidence.parts))
        self.assertEqual(evidence.leaks(secrets), [])


if __name__ == "__main__":
    if os.geteuid() != 0 and any("brick_cli" in arg for arg in sys.argv[1:]):
        print("skipped: needs root (FUSE mounts and namespaces)")
        sys.exit(77)
    unittest.main(verbosity=2)
