"""os_brick.initiator.connector: brickworks.connector under os-brick's import name."""

from brickworks.connector import (  # noqa: F401
    FibreChannelConnector,
    InitiatorConnector,
    ISCSIConnector,
    LocalConnector,
    NVMeOFConnector,
    RBDConnector,
    RemoteFsConnector,
    get_connector_mapping,
    get_connector_properties,
)
from os_brick import exception  # noqa: F401
from os_brick import initiator  # noqa: F401
