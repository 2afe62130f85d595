"""Where an operation runs: in this process, or in the `brick` tool as root.

InProcess calls libbrick through brickworks._brick on a brick::Host (the real
host, or any other Host such as the simulator's); the GIL is released while it
works. RootHelper runs ``<root_helper argv> brick --log-format json <command>``
with the connection properties on stdin and reads the JSON result on stdout, so
the privileged side is the tool, which validates every input before it touches
the host. Both raise the exceptions of brickworks.exception.

Environment (all optional):
  BRICKWORKS_MODE   auto (default: in-process when root, else root helper),
                    in-process, or root-helper
  BRICKWORKS_BRICK  the brick tool (default: found on PATH, else "brick")
  BRICKWORKS_ROOT   run against a host tree under this directory (--root)
  BRICKWORKS_TOOLS  run iscsiadm, nvme, ... from this directory first (--tools)
"""

import contextlib
import json
import logging
import os
import shlex
import shutil
import stat
import subprocess
import tempfile

from brickworks import _brick
from brickworks import exception

LOG = logging.getLogger("brickworks")

_host_override = None


@contextlib.contextmanager
def use_host(host):
    """Backends chosen inside the block run in-process on host (a _brick.Host).

    For embedding and tests: with the simulator's SimHost, unmodified callers of
    InitiatorConnector.factory attach volumes on the simulated host.
    """
    global _host_override
    previous, _host_override = _host_override, host
    try:
        yield host
    finally:
        _host_override = previous


def choose(root_helper):
    """The backend for an operation asked for with root_helper."""
    if _host_override is not None:
        return InProcess(_host_override)
    mode = os.environ.get("BRICKWORKS_MODE", "auto")
    if mode not in ("auto", "in-process", "root-helper"):
        raise exception.BrickException(f"BRICKWORKS_MODE: unknown mode {mode!r}")
    if mode == "in-process" or (mode == "auto" and os.geteuid() == 0):
        return InProcess(_brick.real_host(os.environ.get("BRICKWORKS_ROOT", "/"),
                                          os.environ.get("BRICKWORKS_TOOLS", "")))
    return RootHelper(root_helper)


def _raise_from(error, operation=None, protocol=None):
    category, detail, field = error.args
    raise exception.from_error(category, detail, field, operation, protocol) from None


class InProcess:
    def __init__(self, host):
        self.host = host

    def properties(self, request):
        try:
            return json.loads(_brick.connector_properties(self.host, json.dumps(request)))
        except _brick.Error as error:
            _raise_from(error)

    def connector(self, protocol, options):
        try:
            return _InProcessConnector(_brick.Connector(self.host, protocol, json.dumps(options)),
                                       protocol)
        except _brick.Error as error:
            _raise_from(error, protocol=protocol)

    def luks_open(self, device, passphrase, luks_format):
        try:
            return _brick.luks_open(self.host, device, passphrase, luks_format)
        except _brick.Error as error:
            _raise_from(error, "attach_volume")

    def luks_close(self, device):
        try:
            _brick.luks_close(self.host, device)
        except _brick.Error as error:
            _raise_from(error, "detach_volume")

    def list_dir(self, path):
        return self.host.list_dir(path)

    def stat(self, path, no_follow=False):
        return self.host.stat(path, no_follow)

    def read_link(self, path):
        return self.host.read_link(path)

    def read_attribute(self, path):
        return self.host.read_attribute(path)


class _InProcessConnector:
    def __init__(self, connector, protocol):
        self._connector, self.protocol = connector, protocol

    def call(self, operation, data, device_info=None, force=False, ignore_errors=False):
        try:
            text = json.dumps(data)
            if operation == "connect":
                return json.loads(self._connector.connect(text))
            if operation == "disconnect":
                self._connector.disconnect(text, json.dumps(device_info or {}), force,
                                           ignore_errors)
                return None
            if operation == "extend":
                return self._connector.extend(text)
            return self._connector.paths(text)
        except _brick.Error as error:
            _raise_from(error, operation, self.protocol)
        except (TypeError, ValueError) as error:  # not JSON-serialisable
            raise exception.InvalidParameterValue(err=f"connection properties: {error}")


class RootHelper:
    def __init__(self, root_helper):
        self.prefix = shlex.split(root_helper or "")
        brick = os.environ.get("BRICKWORKS_BRICK") or shutil.which("brick") or "brick"
        self.base = [brick, "--log-format", "json"]
        root, tools = os.environ.get("BRICKWORKS_ROOT"), os.environ.get("BRICKWORKS_TOOLS")
        self.root = root or "/"
        if root:
            self.base += ["--root", root]
        if tools:
            self.base += ["--tools", tools]

    def run(self, args, stdin="", operation=None, protocol=None):
        argv = self.prefix + self.base + args
        LOG.debug("running %s", argv)
        done = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
        for line in done.stderr.splitlines():
            self._log(line)
        if done.returncode == 0:
            return json.loads(done.stdout)
        category = exception.EXIT_CODE_CATEGORIES.get(done.returncode)
        detail, field = done.stderr.strip(), ""
        for line in reversed(done.stderr.splitlines()):
            report = _json_object(line)
            if report and "category" in report:
                category, detail, field = report["category"], report["message"], report["field"]
                break
        if category is None:  # the root helper, or a usage error
            raise exception.ProcessExecutionError(stdout=done.stdout, stderr=done.stderr,
                                                  exit_code=done.returncode, cmd=" ".join(argv))
        raise exception.from_error(category, detail, field, operation, protocol,
                                   cmd=" ".join(argv),
                                   exit_code=done.returncode, stdout=done.stdout,
                                   stderr=done.stderr)

    @staticmethod
    def _log(line):
        record = _json_object(line)
        if record and "level" in record and "message" in record:
            level = logging.getLevelName(record["level"].upper())
            LOG.log(level if isinstance(level, int) else logging.INFO, "brick: %s",
                    record["message"])

    def properties(self, request):
        args = ["properties", "--ip", request["ip"] or ""]
        if request.get("host"):
            args += ["--host", request["host"]]
        for flag in ("multipath", "enforce_multipath", "create_missing_ids"):
            if request.get(flag):
                args.append("--" + flag.replace("_", "-"))
        return self.run(args)

    def connector(self, protocol, options):
        return _ToolConnector(self, protocol, options)

    def luks_open(self, device, passphrase, luks_format):
        # The passphrase goes to the tool in a private file (mode 0600), never argv.
        with tempfile.NamedTemporaryFile("w", prefix="brick-key-") as key:
            key.write(passphrase)
            key.flush()
            return self.run(["luks", "open", "--device", device, "--key-file", key.name,
                             "--luks-format", luks_format], operation="attach_volume")["path"]

    def luks_close(self, device):
        self.run(["luks", "close", "--device", device], operation="detach_volume")

    # Unprivileged reads of the device tree (check_valid_device, search paths).
    def _path(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def list_dir(self, path):
        return sorted(os.listdir(self._path(path)))

    def stat(self, path, no_follow=False):
        try:
            info = os.stat(self._path(path), follow_symlinks=not no_follow)
        except OSError:
            return ("missing", 0, 0, 0)
        kinds = {stat.S_IFBLK: "block_device", stat.S_IFLNK: "symlink",
                 stat.S_IFDIR: "directory", stat.S_IFREG: "regular"}
        kind = kinds.get(stat.S_IFMT(info.st_mode), "other")
        return (kind, info.st_size, os.major(info.st_rdev), os.minor(info.st_rdev))

    def read_link(self, path):
        return os.readlink(self._path(path))

    def read_attribute(self, path):
        try:
            with open(self._path(path), encoding="utf-8") as f:
                return f.read().rstrip()
        except OSError:
            return None


class _ToolConnector:
    def __init__(self, helper, protocol, options):
        self.helper, self.protocol = helper, protocol
        self.flags = []
        if options.get("use_multipath"):
            self.flags.append("--multipath")
        if options.get("enforce_multipath"):
            self.flags.append("--enforce-multipath")
        self.link = options.get("link", "device")
        # os-brick's API: Nova opens LUKS with the encryptor after connect.
        self.flags.append("--no-open-luks")
        if options.get("mount_point_base"):
            self.flags += ["--mount-point-base", options["mount_point_base"]]
        if options.get("nfs_mount_options"):
            self.flags += ["--nfs-mount-options", options["nfs_mount_options"]]
        # The NVMe-oF controller timeouts matter when controllers are made: connect only.
        self.connect_flags = []
        for key in _SECONDS_OPTIONS:
            if options.get(key) is not None:
                self.connect_flags += ["--" + key.replace("_", "-"),
                                       _seconds(key, options[key], protocol)]

    def call(self, operation, data, device_info=None, force=False, ignore_errors=False):
        try:
            stdin = json.dumps(data)
        except (TypeError, ValueError) as error:
            raise exception.InvalidParameterValue(err=f"connection properties: {error}")
        args = [operation, self.protocol, "--properties", "-"] + self.flags
        if operation == "connect":
            args += self.connect_flags
        if operation == "connect" and self.link != "device":
            args += ["--link", self.link]
        if operation != "disconnect":
            result = self.helper.run(args, stdin, operation, self.protocol)
            return result["size"] if operation == "extend" else result
        # The device info has no secrets: a private file the root side reads.
        with tempfile.NamedTemporaryFile("w", prefix="brick-device-", suffix=".json") as f:
            json.dump(device_info or {}, f)
            f.flush()
            args += ["--device-info", f.name]
            args += ["--force"] if force else []
            args += ["--ignore-errors"] if ignore_errors else []
            self.helper.run(args, stdin, operation, self.protocol)
        return None


_SECONDS_OPTIONS = ("nvme_ctrl_loss_tmo", "nvme_reconnect_delay", "nvme_keep_alive_tmo")


def _seconds(key, value, protocol):
    """The tool's text of a whole number of seconds; the same refusal as in-process."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise exception.from_error("invalid_properties",
                                   f"{key}: expected a whole number of seconds, got {value!r}",
                                   key, protocol=protocol)
    return str(value)


def _json_object(line):
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
