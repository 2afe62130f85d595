"""brickworks' os_brick has os-brick 6.1's names, signatures and constants.

The reference is Debian's python3-os-brick, read in a separate interpreter
(this one has brickworks' os_brick first on its path). Parameters are compared
by name, kind and default; annotations are os-brick's internals and are not.
"""

import inspect
import json

import pytest

from conftest import run_python

METHODS = ["__init__", "connect_volume", "disconnect_volume", "extend_volume",
           "get_volume_paths", "get_search_path", "get_all_available_volumes",
           "check_valid_device", "get_connector_properties"]
CLASSES = ["ISCSIConnector", "NVMeOFConnector", "FibreChannelConnector", "RemoteFsConnector",
           "RBDConnector", "LocalConnector"]

DESCRIBE = """
import inspect, json
from os_brick import exception, initiator
from os_brick.initiator import connector

def sig(f):
    return [[p.name, str(p.kind), repr(p.default)]
            for p in inspect.signature(f).parameters.values()]

out = {"get_connector_properties": sig(connector.get_connector_properties),
       "factory": sig(connector.InitiatorConnector.factory)}
for cls in %(classes)r:
    for m in %(methods)r:
        out[cls + "." + m] = sig(getattr(getattr(connector, cls), m))
out["constants"] = {k: v for k, v in vars(initiator).items()
                    if k.isupper() and isinstance(v, (str, int))}
out["exceptions"] = {k: [b.__name__ for b in v.__mro__[1:]] + [getattr(v, "message", None)]
                     for k, v in vars(exception).items()
                     if isinstance(v, type) and issubclass(v, BaseException)
                     and v.__module__ == exception.__name__}
print(json.dumps(out))
""" % {"classes": CLASSES, "methods": METHODS}


@pytest.fixture(scope="module")
def reference():
    return json.loads(run_python(DESCRIBE))


def sig(function):
    return [[p.name, str(p.kind), repr(p.default)]
            for p in inspect.signature(function).parameters.values()]


def test_the_compatibility_package_is_brickworks():
    import os_brick
    import os_brick.initiator.connector as connector

    import brickworks
    assert "brickworks" in connector.InitiatorConnector.__module__
    assert connector.get_connector_properties.__module__ == "brickworks.connector"
    assert os_brick.__file__.startswith(brickworks.__file__.rsplit("/brickworks/", 1)[0])


def test_module_functions_have_os_brick_signatures(reference):
    from os_brick.initiator import connector
    assert sig(connector.get_connector_properties) == reference["get_connector_properties"]
    assert sig(connector.InitiatorConnector.factory) == reference["factory"]


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("method", METHODS)
def test_connector_methods_have_os_brick_signatures(reference, cls, method):
    from os_brick.initiator import connector
    assert sig(getattr(getattr(connector, cls), method)) == reference[f"{cls}.{method}"]


def test_protocol_constants_are_os_brick_s(reference):
    from os_brick import initiator
    ours = {k: v for k, v in vars(initiator).items() if k.isupper() and isinstance(v, (str, int))}
    assert ours.items() >= reference["constants"].items()


def test_exceptions_have_os_brick_names_bases_and_messages(reference):
    from os_brick import exception
    for name, (*bases, message) in reference["exceptions"].items():
        ours = getattr(exception, name)
        assert [b.__name__ for b in ours.__mro__[1:]] == bases, name
        assert getattr(ours, "message", None) == message, name


def test_factory_returns_connectors_by_os_brick_names(sim):
    from os_brick import initiator
    from os_brick.initiator import connector
    sim("single_chap.json")
    iscsi = connector.InitiatorConnector.factory(initiator.ISCSI, "sudo", use_multipath=True,
                                                 device_scan_attempts=5, transport="default")
    assert type(iscsi).__name__ == "ISCSIConnector"
    assert iscsi.use_multipath and iscsi.device_scan_attempts == 5
    assert iscsi.get_search_path() == "/dev/disk/by-path"
    iser = connector.InitiatorConnector.factory("iser", "sudo")
    assert iser.transport == "iser" and iser.protocol == initiator.ISER
    nvme = connector.InitiatorConnector.factory(initiator.NVME, "sudo")
    assert type(nvme).__name__ == "NVMeOFConnector"
    assert nvme.get_search_path() == "/dev/"
    fc = connector.InitiatorConnector.factory(initiator.FIBRE_CHANNEL, "sudo", use_multipath=True)
    assert type(fc).__name__ == "FibreChannelConnector" and fc.use_multipath
    assert fc.get_search_path() == "/dev/disk/by-path"
    nfs = connector.InitiatorConnector.factory(initiator.NFS, "sudo",
                                               nfs_mount_point_base="/var/lib/nova/mnt")
    assert type(nfs).__name__ == "RemoteFsConnector"
    assert nfs.get_search_path() == "/var/lib/nova/mnt"
    rbd = connector.InitiatorConnector.factory(initiator.RBD, "sudo", do_local_attach=True)
    assert type(rbd).__name__ == "RBDConnector" and rbd.do_local_attach
    local = connector.InitiatorConnector.factory(initiator.LOCAL, "sudo")
    assert type(local).__name__ == "LocalConnector"


@pytest.mark.parametrize("protocol", ["GLUSTERFS", "NOT_A_PROTOCOL"])
def test_protocols_not_built_raise_invalid_connector_protocol(protocol):
    from os_brick import exception
    from os_brick.initiator import connector
    with pytest.raises(exception.InvalidConnectorProtocol):
        connector.InitiatorConnector.factory(protocol, "sudo")
    assert issubclass(exception.InvalidConnectorProtocol, ValueError)


def test_what_nova_imports_resolves_to_brickworks():
    import nova.virt.block_device  # noqa: F401 - os_brick.encryptors, initiator.utils
    import nova.virt.libvirt.driver  # noqa: F401 - os_brick.encryptors.luks, exception
    import nova.virt.libvirt.volume.fibrechannel as fibrechannel
    import nova.virt.libvirt.volume.iscsi as iscsi
    import nova.virt.libvirt.volume.nvme as nvme
    assert iscsi.connector.__name__ == "os_brick.initiator.connector"
    assert iscsi.connector.InitiatorConnector.__module__ == "brickworks.connector"
    assert nvme.initiator.NVME == "NVME"
    assert fibrechannel.connector.InitiatorConnector.__module__ == "brickworks.connector"
