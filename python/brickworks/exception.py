"""Exceptions named as os-brick 6.1's, and the map from libbrick's categories.

Every failure of a brickworks operation is a libbrick error with a category
(lib/brick/core/error.hpp; the `brick` tool's exit code says the same). It is
raised as the os-brick exception a caller of os-brick catches for that kind of
failure, with three extra attributes: ``category``, ``field`` (the input key at
fault, or "") and ``detail`` (libbrick's message, secrets masked).
"""

try:  # os-brick raises oslo.concurrency's class; callers catch that one.
    from oslo_concurrency.processutils import ProcessExecutionError
except ImportError:  # pragma: no cover - without OpenStack installed

    class ProcessExecutionError(Exception):
        def __init__(self, stdout=None, stderr=None, exit_code=None, cmd=None,
                     description=None):
            self.stdout, self.stderr = stdout, stderr
            self.exit_code, self.cmd = exit_code, cmd
            self.description = description
            super().__init__(description or "Unexpected error while running command.")


class BrickException(Exception):
    """Base of the os-brick exceptions: ``message`` is a %-format of the kwargs."""

    message = "An unknown exception occurred."
    code = 500
    headers: dict = {}
    safe = False

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        self.kwargs.setdefault("code", self.code)
        if not message:
            try:
                message = self.message % kwargs
            except (KeyError, TypeError, ValueError):
                message = self.message
        self.msg = message
        super().__init__(message)


class NotFound(BrickException):
    message = "Resource could not be found."
    code = 404
    safe = True


class Invalid(BrickException):
    message = "Unacceptable parameters."
    code = 400


class InvalidParameterValue(Invalid):
    message = "%(err)s"


class NoFibreChannelHostsFound(BrickException):
    message = "We are unable to locate any Fibre Channel devices."


class NoFibreChannelVolumeDeviceFound(BrickException):
    message = "Unable to find a Fibre Channel volume device."


class VolumeNotDeactivated(BrickException):
    message = "Volume %(name)s was not deactivated in time."


class VolumeDeviceNotFound(BrickException):
    message = "Volume device not found at %(device)s."


class VolumePathsNotFound(BrickException):
    message = "Could not find any paths for the volume."


class VolumePathNotRemoved(BrickException):
    message = "Volume path %(volume_path)s was not removed in time."


class ProtocolNotSupported(BrickException):
    message = "Connect to volume via protocol %(protocol)s not supported."


class TargetPortalNotFound(BrickException):
    message = "Unable to find target portal %(target_portal)s."


class TargetPortalsNotFound(TargetPortalNotFound):
    message = "Unable to find target portal in %(target_portals)s."


class FailedISCSITargetPortalLogin(BrickException):
    message = "Unable to login to iSCSI Target Portal"


class BlockDeviceReadOnly(BrickException):
    message = "Block device %(device)s is Read-Only."


class VolumeGroupNotFound(BrickException):
    message = "Unable to find Volume Group: %(vg_name)s"


class VolumeGroupCreationFailed(BrickException):
    message = "Failed to create Volume Group: %(vg_name)s"


class CommandExecutionFailed(BrickException):
    message = "Failed to execute command %(cmd)s"


class VolumeDriverException(BrickException):
    message = "An error occurred while IO to volume %(name)s."


class InvalidIOHandleObject(BrickException):
    message = "IO handle of %(protocol)s has wrong object type %(actual_type)s."


class VolumeEncryptionNotSupported(Invalid):
    message = "Volume encryption is not supported for %(volume_type)s volume %(volume_id)s."


class VolumeLocalCacheNotSupported(Invalid):
    message = ("Volume local cache is not supported for %(volume_type)s "
               "volume %(volume_id)s.")


class InvalidConnectorProtocol(ValueError):
    """An unknown protocol, or one brickworks does not build (as os-brick)."""


class ExceptionChainer(BrickException):
    """Several failures raised as one (os-brick's disconnect with force)."""

    def __init__(self, *args, **kwargs):
        self._exceptions = []
        super().__init__(*args, **kwargs)

    def add_exception(self, exc_type, exc_val, exc_tb):
        self._exceptions.append((exc_type, exc_val, exc_tb))

    def __bool__(self):
        return bool(self._exceptions)


class ExecutionTimeout(ProcessExecutionError):
    pass


# What each libbrick category raises (lib/brick/core/error.hpp).
CATEGORY_EXCEPTIONS = {
    "invalid_properties": InvalidParameterValue,
    "target_unreachable": TargetPortalNotFound,
    "login_failed": FailedISCSITargetPortalLogin,
    "authentication_failed": FailedISCSITargetPortalLogin,
    "device_not_found": VolumeDeviceNotFound,
    "timeout": ExecutionTimeout,
    "command_failed": ProcessExecutionError,
    "not_supported": ProtocolNotSupported,
    "would_lose_data": BrickException,
    "wrong_device": BrickException,
    "host_error": BrickException,
    "internal": BrickException,
}

# NVMe-oF: os-brick reports a subsystem it cannot connect to as a missing device.
NVME_CATEGORY_EXCEPTIONS = {
    "target_unreachable": VolumeDeviceNotFound,
    "login_failed": VolumeDeviceNotFound,
    "authentication_failed": VolumeDeviceNotFound,
}

# The `brick` tool's exit codes (README.md, "Exit codes").
EXIT_CODE_CATEGORIES = {
    10: "invalid_properties", 11: "target_unreachable", 12: "login_failed",
    13: "authentication_failed", 14: "device_not_found", 15: "timeout",
    16: "command_failed", 17: "not_supported", 18: "would_lose_data",
    19: "wrong_device", 20: "host_error", 70: "internal",
}


def from_error(category, detail, field="", operation=None, protocol=None, cmd=None,
               exit_code=None, stdout=None, stderr=None):
    """The os-brick exception for a libbrick error.

    As os-brick: operation "extend" raises VolumePathsNotFound for a missing
    device; protocol NVME/NVMEOF raises VolumeDeviceNotFound for a subsystem
    that cannot be connected.
    """
    cls = CATEGORY_EXCEPTIONS.get(category, BrickException)
    if protocol in ("NVME", "NVMEOF"):
        cls = NVME_CATEGORY_EXCEPTIONS.get(category, cls)
    if operation == "extend" and category == "device_not_found":
        cls = VolumePathsNotFound
    text = f"{category}: {detail}"
    if issubclass(cls, ProcessExecutionError):
        error = cls(stdout=stdout, stderr=stderr, exit_code=exit_code, cmd=cmd,
                    description=text)
    else:
        error = cls(text)
    error.category, error.field, error.detail = category, field, detail
    return error
