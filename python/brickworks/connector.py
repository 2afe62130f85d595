"""os-brick 6.1's initiator API over libbrick.

Names, signatures and return shapes are os-brick's (python/tests compare them
with inspect.signature against the installed os-brick). The work is libbrick's:
every operation goes to a backend (brickworks.backend) that runs it in this
process when it is root, or through ``root_helper`` and the `brick` tool when
it is not.
"""

import os

from brickworks import backend
from brickworks import exception
from brickworks import protocols

DEVICE_SCAN_ATTEMPTS_DEFAULT = 3


def get_connector_properties(root_helper, my_ip, multipath, enforce_multipath, host=None,
                             execute=None):
    """This host's initiator identity, for the storage service (os-brick's dict).

    Keys: platform, os_type, ip, host, multipath, enforce_multipath, and where
    the host has them initiator, wwpns, wwnns, nqn, uuid, "system uuid",
    nvme_hostid, nvme_native_multipath. A missing /etc/nvme/hostnqn is created,
    as os-brick does. execute is accepted for compatibility and not used: the
    commands are libbrick's.
    """
    request = {"ip": my_ip, "host": host, "multipath": bool(multipath),
               "enforce_multipath": bool(enforce_multipath), "create_missing_ids": True}
    return backend.choose(root_helper).properties(request)


def get_connector_mapping(arch=None):
    """Protocol name to connector class path, for the protocols brickworks builds."""
    return {name: f"{__name__}.{cls.__name__}" for name, cls in _CONNECTORS.items()}


class InitiatorConnector:
    """Base of the connectors; ``factory`` picks one by protocol."""

    protocol = None
    _properties_keys = ()
    # Keyword arguments of the factory that become libbrick connector options.
    _option_keys = ()

    def __init__(self, root_helper, driver=None, execute=None, use_multipath=False,
                 device_scan_attempts=DEVICE_SCAN_ATTEMPTS_DEFAULT, *args, **kwargs):
        self._root_helper = root_helper
        self.driver = driver
        self.use_multipath = use_multipath
        self.device_scan_attempts = device_scan_attempts
        self._backend = backend.choose(root_helper)
        options = {"use_multipath": bool(use_multipath)}
        options.update({key: kwargs[key] for key in self._option_keys
                        if kwargs.get(key) is not None})
        self._connector = self._backend.connector(self.protocol, options)

    @staticmethod
    def factory(protocol, root_helper, driver=None, use_multipath=False,
                device_scan_attempts=DEVICE_SCAN_ATTEMPTS_DEFAULT, arch=None, *args, **kwargs):
        """The connector for protocol (os-brick's names, any case)."""
        name = protocol.upper()
        cls = _CONNECTORS.get(name)
        if cls is None:
            raise exception.InvalidConnectorProtocol(
                f"Invalid InitiatorConnector protocol specified {name}"
                + (" (not available in brickworks)" if name in protocols.OS_BRICK_NAMES else ""))
        if name == protocols.ISER:
            kwargs["transport"] = "iser"
        if name == protocols.NFS:
            kwargs["mount_type"] = "nfs"
        kwargs.update(root_helper=root_helper, driver=driver, use_multipath=use_multipath,
                      device_scan_attempts=device_scan_attempts)
        return cls(*args, **kwargs)

    @staticmethod
    def get_connector_properties(root_helper, *args, **kwargs):
        return {}

    def set_driver(self, driver):
        self.driver = driver

    def get_driver(self):
        return self.driver

    def set_execute(self, execute):
        """Accepted for compatibility: libbrick runs its own commands."""

    def connect_volume(self, connection_properties):
        """Attaches the volume; returns {"type": "block", "path": ..., "scsi_wwn": ...}."""
        return self._connector.call("connect", connection_properties)

    def disconnect_volume(self, connection_properties, device_info, force=False,
                          ignore_errors=False):
        """Detaches the volume; device_info is what connect_volume returned, or None."""
        self._connector.call("disconnect", connection_properties, device_info, force,
                             ignore_errors)

    def extend_volume(self, connection_properties):
        """Rescans the volume; returns its new size in bytes."""
        return self._connector.call("extend", connection_properties)

    def get_volume_paths(self, connection_properties):
        return self._connector.call("paths", connection_properties)

    def get_search_path(self):
        return None

    def get_all_available_volumes(self, connection_properties=None):
        path = self.get_search_path()
        try:
            names = self._backend.list_dir(path) if path else []
        except OSError:
            names = []
        return [os.path.join(path, name) for name in names]

    def check_valid_device(self, path, run_as_root=True):
        """True when path is a block device of non-zero size (read through sysfs)."""
        if self._backend.stat(path)[0] != "block_device":
            return False
        name = os.path.basename(path)
        if self._backend.stat(path, True)[0] == "symlink":
            name = os.path.basename(self._backend.read_link(path))
        size = self._backend.read_attribute(f"/sys/class/block/{name}/size")
        return bool(size) and size.isdigit() and int(size) > 0

    def check_IO_handle_valid(self, handle, data_type, protocol):
        if not isinstance(handle, data_type):
            raise exception.InvalidIOHandleObject(protocol=protocol,
                                                  actual_type=type(handle))


class ISCSIConnector(InitiatorConnector):
    """iSCSI and iSER (transport="iser") through libbrick's iSCSI connector."""

    protocol = protocols.ISCSI

    def __init__(self, root_helper, driver=None, execute=None, use_multipath=False,
                 device_scan_attempts=DEVICE_SCAN_ATTEMPTS_DEFAULT, transport="default",
                 *args, **kwargs):
        self.transport = transport
        if transport == "iser":
            self.protocol = protocols.ISER
        super().__init__(root_helper, driver, execute, use_multipath, device_scan_attempts,
                         *args, **kwargs)

    @staticmethod
    def get_connector_properties(root_helper, *args, **kwargs):
        props = _properties(root_helper, kwargs)
        return {"initiator": props["initiator"]} if "initiator" in props else {}

    def connect_volume(self, connection_properties):
        return super().connect_volume(connection_properties)

    def disconnect_volume(self, connection_properties, device_info, force=False,
                          ignore_errors=False):
        super().disconnect_volume(connection_properties, device_info, force, ignore_errors)

    def extend_volume(self, connection_properties):
        return super().extend_volume(connection_properties)

    def get_volume_paths(self, connection_properties):
        return super().get_volume_paths(connection_properties)

    def get_search_path(self):
        return "/dev/disk/by-path"


class NVMeOFConnector(InitiatorConnector):
    """NVMe over Fabrics (TCP, RDMA) through libbrick's NVMe-oF connector.

    The controller timeouts a connect gives the kernel, in whole seconds, are
    factory keyword arguments (absent or None: libbrick's default):
    nvme_ctrl_loss_tmo (-1, never give up reconnecting, as os-brick),
    nvme_reconnect_delay (10) and nvme_keep_alive_tmo (5). Values out of range
    raise InvalidParameterValue naming the argument.
    """

    protocol = protocols.NVMEOF
    _option_keys = ("nvme_ctrl_loss_tmo", "nvme_reconnect_delay", "nvme_keep_alive_tmo")

    def __init__(self, root_helper, driver=None, use_multipath=False, device_scan_attempts=5,
                 *args, **kwargs):
        super().__init__(root_helper, driver, None, use_multipath, device_scan_attempts,
                         *args, **kwargs)

    @staticmethod
    def get_connector_properties(root_helper, *args, **kwargs):
        props = _properties(root_helper, kwargs)
        keys = ("nqn", "uuid", "system uuid", "nvme_hostid", "nvme_native_multipath")
        return {key: props[key] for key in keys if key in props}

    def connect_volume(self, connection_properties):
        return super().connect_volume(connection_properties)

    def disconnect_volume(self, connection_properties, device_info, force=False,
                          ignore_errors=False):
        super().disconnect_volume(connection_properties, device_info, force, ignore_errors)

    def extend_volume(self, connection_properties):
        return super().extend_volume(connection_properties)

    def get_volume_paths(self, connection_properties, device_info=None):
        if device_info and device_info.get("path"):
            return [device_info["path"]]
        return super().get_volume_paths(connection_properties)

    @staticmethod
    def get_search_path():
        return "/dev/"


class FibreChannelConnector(InitiatorConnector):
    """Fibre Channel through libbrick's FC connector (targeted scans only)."""

    protocol = protocols.FIBRE_CHANNEL

    def __init__(self, root_helper, driver=None, execute=None, use_multipath=False,
                 device_scan_attempts=DEVICE_SCAN_ATTEMPTS_DEFAULT, *args, **kwargs):
        super().__init__(root_helper, driver, execute, use_multipath, device_scan_attempts,
                         *args, **kwargs)

    @staticmethod
    def get_connector_properties(root_helper, *args, **kwargs):
        """The WWPNs and WWNNs of this host's Online FC ports."""
        props = _properties(root_helper, kwargs)
        return {key: props[key] for key in ("wwpns", "wwnns") if key in props}

    def connect_volume(self, connection_properties):
        return super().connect_volume(connection_properties)

    def disconnect_volume(self, connection_properties, device_info, force=False,
                          ignore_errors=False):
        super().disconnect_volume(connection_properties, device_info, force, ignore_errors)

    def extend_volume(self, connection_properties):
        return super().extend_volume(connection_properties)

    def get_volume_paths(self, connection_properties):
        """The volume's by-path names that exist on this host."""
        return super().get_volume_paths(connection_properties)

    def get_search_path(self):
        return "/dev/disk/by-path"


class RemoteFsConnector(InitiatorConnector):
    """NFS through libbrick's NFS connector (os-brick's RemoteFsConnector).

    The share is mounted at <nfs_mount_point_base>/<md5 of the export>, as
    os-brick mounts it; unlike os-brick, disconnect_volume unmounts it when no
    other volume of the export is attached.
    """

    protocol = protocols.NFS

    def __init__(self, mount_type, root_helper, driver=None, execute=None,
                 device_scan_attempts=DEVICE_SCAN_ATTEMPTS_DEFAULT, *args, **kwargs):
        kwargs = kwargs or {}
        mount_type_lower = mount_type.lower()
        if mount_type_lower != "nfs":
            raise exception.ProtocolNotSupported(protocol=mount_type)
        conn = kwargs.get("conn") or {}
        self._mount_base = (kwargs.get("nfs_mount_point_base")
                            or conn.get("mount_point_base"))
        if not self._mount_base:
            raise exception.InvalidParameterValue(err="nfs_mount_point_base required")
        self._mount_options = kwargs.get("nfs_mount_options")
        self._root_helper = root_helper
        self.driver = driver
        self.use_multipath = False
        self.device_scan_attempts = device_scan_attempts
        self._backend = backend.choose(root_helper)
        options = {"mount_point_base": self._mount_base}
        if self._mount_options:
            options["nfs_mount_options"] = self._mount_options
        self._connector = self._backend.connector(self.protocol, options)

    @staticmethod
    def get_connector_properties(root_helper, *args, **kwargs):
        return {}

    def get_search_path(self):
        return self._mount_base

    def get_volume_paths(self, connection_properties):
        return super().get_volume_paths(connection_properties)

    def connect_volume(self, connection_properties):
        """Mounts the share; returns {"type": "file", "path": <mount point>/<name>}."""
        return super().connect_volume(connection_properties)

    def disconnect_volume(self, connection_properties, device_info, force=False,
                          ignore_errors=False):
        super().disconnect_volume(connection_properties, device_info, force, ignore_errors)

    def extend_volume(self, connection_properties):
        raise NotImplementedError


class RBDConnector(InitiatorConnector):
    """Ceph RBD through the kernel client (os-brick's do_local_attach): rbd map."""

    protocol = protocols.RBD

    def __init__(self, root_helper, driver=None, use_multipath=False,
                 device_scan_attempts=DEVICE_SCAN_ATTEMPTS_DEFAULT, *args, **kwargs):
        self.do_local_attach = kwargs.get("do_local_attach", False)
        super().__init__(root_helper, driver, None, use_multipath, device_scan_attempts,
                         *args, **kwargs)

    @staticmethod
    def get_connector_properties(root_helper, *args, **kwargs):
        return {"do_local_attach": kwargs.get("do_local_attach", False)}

    def connect_volume(self, connection_properties):
        """Maps the image; returns {"type": "block", "path": "/dev/rbd/<pool>/<image>"}.

        Only the kernel client is built: a dict without do_local_attach is
        mapped too (os-brick would open a librados handle instead).
        """
        return super().connect_volume(connection_properties)

    def disconnect_volume(self, connection_properties, device_info, force=False,
                          ignore_errors=False):
        super().disconnect_volume(connection_properties, device_info, force, ignore_errors)

    def extend_volume(self, connection_properties):
        return super().extend_volume(connection_properties)

    def get_volume_paths(self, connection_properties):
        return []

    def get_search_path(self):
        return None

    def get_all_available_volumes(self, connection_properties=None):
        return []


class LocalConnector(InitiatorConnector):
    """A block device of this host (os-brick's LocalConnector)."""

    protocol = protocols.LOCAL

    def __init__(self, root_helper, driver=None, *args, **kwargs):
        kwargs.pop("use_multipath", None)
        attempts = kwargs.pop("device_scan_attempts", DEVICE_SCAN_ATTEMPTS_DEFAULT)
        super().__init__(root_helper, driver, None, False, attempts, *args, **kwargs)

    @staticmethod
    def get_connector_properties(root_helper, *args, **kwargs):
        return {}

    def get_volume_paths(self, connection_properties):
        return super().get_volume_paths(connection_properties)

    def get_search_path(self):
        return None

    def get_all_available_volumes(self, connection_properties=None):
        return []

    def connect_volume(self, connection_properties):
        """Checks device_path is a block device; returns {"type": "local", "path": ...}."""
        return super().connect_volume(connection_properties)

    def disconnect_volume(self, connection_properties, device_info, force=False,
                          ignore_errors=False):
        super().disconnect_volume(connection_properties, device_info, force, ignore_errors)

    def extend_volume(self, connection_properties):
        return super().extend_volume(connection_properties)


def _properties(root_helper, kwargs):
    return get_connector_properties(root_helper, kwargs.get("my_ip", ""),
                                    kwargs.get("multipath", False),
                                    kwargs.get("enforce_multipath", False), kwargs.get("host"))


# os-brick's protocol names that brickworks builds, and their connector.
_CONNECTORS = {
    protocols.ISCSI: ISCSIConnector,
    protocols.ISER: ISCSIConnector,
    protocols.NVME: NVMeOFConnector,
    protocols.NVMEOF: NVMeOFConnector,
    protocols.FIBRE_CHANNEL: FibreChannelConnector,
    protocols.NFS: RemoteFsConnector,
    protocols.RBD: RBDConnector,
    protocols.LOCAL: LocalConnector,
}
