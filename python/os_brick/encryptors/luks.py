"""os_brick.encryptors.luks: LUKS is not available in brickworks."""

from os_brick import exception


def is_luks(root_helper, device, execute=None):
    raise exception.VolumeEncryptionNotSupported(volume_type="luks (brickworks does not encrypt)",
                                                 volume_id=device)
