"""os_brick.initiator: protocol names and platform constants."""

from brickworks.protocols import *  # noqa: F401,F403
