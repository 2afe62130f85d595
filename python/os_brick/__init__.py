"""os_brick on brickworks: os-brick 6.1's import names over libbrick.

Installed only when asked (CMake option BRICK_PYTHON_OS_BRICK), since it takes
the import name of Debian's python3-os-brick. Covers what Nova's libvirt driver
and volume drivers import: os_brick.initiator (constants),
os_brick.initiator.connector, os_brick.initiator.utils, os_brick.exception and
os_brick.encryptors (metadata lookups only: brickworks does not encrypt).
"""

import logging

LOG = logging.getLogger(__name__)


def setup(conf, **kwargs):
    """Accepted for compatibility: libbrick takes no oslo.config options."""
    if kwargs:
        LOG.warning("Ignoring arguments %s", list(kwargs))
