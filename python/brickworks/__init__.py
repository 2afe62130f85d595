"""brickworks: os-brick's initiator API over libbrick.

    from brickworks import connector
    props = connector.get_connector_properties("sudo", "192.0.2.10", False, False)
    iscsi = connector.InitiatorConnector.factory("ISCSI", "sudo")
    device = iscsi.connect_volume(connection_info["data"])

The os_brick compatibility package re-exports this API under os-brick's names.
"""

from brickworks.backend import use_host  # noqa: F401

__version__ = "0.1.0"
