"""The provisioner contract of `brick-lab certify` (certify/README.md), shared
by the reference provisioners: the verbs and their options, one JSON answer on
stdout, errors on stderr with exit status 1, and a lock so that two calls never
change the array's state at once.

A provisioner is `PROGRAM --state DIR VERB ...`; DIR holds what it remembers
about the volumes it made (one JSON record per volume)."""

import fcntl
import json
import os
import sys

# Imports are kept to a minimum: a provisioner starts for every verb, and
# under TCG every imported module costs tens of milliseconds.

class Failure(Exception):
    """A verb could not be carried out; the message goes to stderr."""


USAGE = """usage: PROVISIONER --state DIR VERB [ARGS]
  create --size-gib N
  export ID --connector FILE [--protocol P] [--transport T] [--chap | --mutual-chap] [--lun N]
  unexport ID | extend ID --size-gib N | delete ID | list | fail-path ID | restore-path ID"""

VALUED = {"--state", "--size-gib", "--connector", "--protocol", "--transport", "--lun"}
FLAGS = {"--chap", "--mutual-chap"}
VERBS = {"create": 0, "export": 1, "unexport": 1, "extend": 1, "delete": 1, "list": 0,
         "fail-path": 1, "restore-path": 1}


class Arguments:
    """The parsed command line: verb, id, and each option (dashes as underscores)."""

    def __init__(self):
        self.state = None
        self.verb = None
        self.id = None
        self.size_gib = None
        self.connector = None
        self.protocol = "iscsi"
        self.transport = "tcp"
        self.chap = False
        self.mutual_chap = False
        self.lun = None


def usage(message):
    sys.stderr.write(f"{message}\n{USAGE}\n")
    sys.exit(2)


def parse_arguments(argv):
    args = Arguments()
    positional = []
    i = 0
    while i < len(argv):
        word = argv[i]
        if word in VALUED:
            if i + 1 >= len(argv):
                usage(f"{word} needs a value")
            setattr(args, word[2:].replace("-", "_"), argv[i + 1])
            i += 2
            continue
        if word in FLAGS:
            setattr(args, word[2:].replace("-", "_"), True)
        elif word.startswith("-"):
            usage(f"unknown option {word}")
        else:
            positional.append(word)
        i += 1
    if not args.state:
        usage("--state is required")
    if not positional or positional[0] not in VERBS:
        usage("a verb is required")
    args.verb = positional[0]
    if len(positional) != 1 + VERBS[args.verb]:
        usage(f"{args.verb}: wrong number of arguments")
    if VERBS[args.verb]:
        args.id = positional[1]
    for name in ("size_gib", "lun"):
        value = getattr(args, name)
        if value is not None:
            if not value.isdigit():
                usage(f"--{name.replace('_', '-')}: expected a number")
            setattr(args, name, int(value))
    if args.verb in ("create", "extend") and args.size_gib is None:
        usage(f"{args.verb}: --size-gib is required")
    if args.verb == "export" and not args.connector:
        usage("export: --connector is required")
    return args


class Records:
    """One JSON file per volume in DIR/volumes."""

    def __init__(self, state):
        self.folder = os.path.join(state, "volumes")
        os.makedirs(self.folder, exist_ok=True)

    def path(self, volume_id):
        if not volume_id or "/" in volume_id or volume_id.startswith("."):
            raise Failure(f"no such volume: {volume_id!r}")
        return os.path.join(self.folder, volume_id + ".json")

    def ids(self):
        return sorted(name[:-5] for name in os.listdir(self.folder) if name.endswith(".json"))

    def get(self, volume_id):
        try:
            with open(self.path(volume_id)) as f:
                return json.load(f)
        except FileNotFoundError:
            raise Failure(f"no such volume: {volume_id}") from None

    def put(self, record):
        path = self.path(record["id"])
        with open(path + ".new", "w") as f:
            json.dump(record, f, indent=1)
        os.replace(path + ".new", path)

    def remove(self, volume_id):
        try:
            os.remove(self.path(volume_id))
        except FileNotFoundError:
            pass


def random_hex(count):
    return os.urandom(count).hex()


def new_volume_id():
    return "vol-" + random_hex(4)


def new_serial():
    return random_hex(16)


def new_uuid():
    """A random (version 4) UUID, lower case."""
    h = bytearray(os.urandom(16))
    h[6] = (h[6] & 0x0F) | 0x40
    h[8] = (h[8] & 0x3F) | 0x80
    h = h.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def chap_credentials(request):
    """Fresh CHAP credentials for an export, or None."""
    if not (request.chap or request.mutual_chap):
        return None
    chap = {"username": "user" + random_hex(3), "password": random_hex(8)}
    if request.mutual_chap:
        chap["username_in"] = "target" + random_hex(3)
        chap["password_in"] = random_hex(8)
    return chap


def iscsi_connection_info(iqn, portals, lun, volume_id, chap):
    """Cinder's iSCSI connection info: every portal of the target, CHAP if any."""
    data = {
        "target_portal": portals[0],
        "target_iqn": iqn,
        "target_lun": lun,
        "target_discovered": False,
        "volume_id": volume_id,
        "access_mode": "rw",
        "encrypted": False,
    }
    if len(portals) > 1:
        data["target_portals"] = list(portals)
        data["target_iqns"] = [iqn] * len(portals)
        data["target_luns"] = [lun] * len(portals)
    if chap:
        data["auth_method"] = "CHAP"
        data["auth_username"] = chap["username"]
        data["auth_password"] = chap["password"]
        if "username_in" in chap:
            data["auth_username_in"] = chap["username_in"]
            data["auth_password_in"] = chap["password_in"]
    return {"driver_volume_type": "iscsi", "data": data}


def read_connector(path, key):
    """The connector properties the runner wrote; key is the identity needed."""
    with open(path) as f:
        connector = json.load(f)
    value = connector.get(key)
    if not isinstance(value, str) or not value:
        raise Failure(f"the connector properties in {path} have no {key}")
    return connector


def run(*argv):
    """Runs a program (argument vector, never a shell); its stdout, or Failure."""
    import subprocess  # pylint: disable=import-outside-toplevel; only some verbs run programs

    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        raise Failure(f"{' '.join(argv)}: exit {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def write(path, value):
    """Writes a configfs attribute."""
    try:
        with open(path, "w") as f:
            f.write(str(value))
    except OSError as e:
        raise Failure(f"writing {value!r} to {path}: {e.strerror}") from None


def main(array_class):
    """Parses the command line, runs the verb on array_class(state) under the
    lock and prints its answer."""
    args = parse_arguments(sys.argv[1:])
    os.makedirs(args.state, exist_ok=True)
    try:
        with open(os.path.join(args.state, "lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            array = array_class(args.state)
            answer = dispatch(array, args)
    except Failure as e:
        print(f"{os.path.basename(sys.argv[0])} {args.verb}: {e}", file=sys.stderr)
        sys.exit(1)
    if answer is not None:
        print(json.dumps(answer))


def dispatch(array, args):
    if args.verb == "create":
        if args.size_gib < 1:
            raise Failure("--size-gib must be at least 1")
        return {"volume_id": array.create(args.size_gib)}
    if args.verb == "export":
        return array.export(args.id, args.connector, args)
    if args.verb == "list":
        return {"volumes": array.list()}
    if args.verb == "extend":
        array.extend(args.id, args.size_gib)
        return None
    method = {"unexport": array.unexport, "delete": array.delete,
              "fail-path": array.fail_path, "restore-path": array.restore_path}[args.verb]
    method(args.id)
    return None
