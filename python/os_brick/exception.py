"""os_brick.exception: brickworks.exception under os-brick's import name."""

from brickworks.exception import *  # noqa: F401,F403
from brickworks.exception import CATEGORY_EXCEPTIONS, from_error  # noqa: F401
