"""os_brick.encryptors.luks: the LUKS encryptors over brickworks.encryption."""

from brickworks.encryption import Luks2Encryptor, LuksEncryptor  # noqa: F401
from os_brick import exception


def is_luks(root_helper, device, execute=None):
    """Not provided: brickworks decides LUKS or not when it opens the volume."""
    raise exception.VolumeEncryptionNotSupported(
        volume_type="luks (is_luks is not provided by brickworks)", volume_id=device)
