#!/usr/bin/python3
"""A test root helper: records its argv, then executes it (as `sudo` would, minus sudo).

Usage as a root_helper string: "/usr/bin/python3 root_helper.py LOGFILE".
"""

import json
import os
import sys

log, argv = sys.argv[1], sys.argv[2:]
with open(log, "a", encoding="utf-8") as out:
    out.write(json.dumps(argv) + "\n")
os.execvp(argv[0], argv)
