"""os_brick.encryptors: os-brick's encryptor API over brickworks.encryption.

LUKS and LUKS2 volumes are opened with libbrick; the deprecated plain
dm-crypt format is not provided (VolumeEncryptionNotSupported).
"""

from brickworks.encryption import Luks2Encryptor, LuksEncryptor, NoOpEncryptor  # noqa: F401
from os_brick import exception

LUKS = "luks"
LUKS2 = "luks2"
PLAIN = "plain"

FORMAT_TO_FRONTEND_ENCRYPTOR_MAP = {
    LUKS: "os_brick.encryptors.luks.LuksEncryptor",
    LUKS2: "os_brick.encryptors.luks.Luks2Encryptor",
    PLAIN: "os_brick.encryptors.cryptsetup.CryptsetupEncryptor",
}

# Provider names older services stored, to the format they mean.
LEGACY_PROVIDER_CLASS_TO_FORMAT_MAP = {
    "nova.volume.encryptors.luks.LuksEncryptor": LUKS,
    "nova.volume.encryptors.cryptsetup.CryptsetupEncryptor": PLAIN,
    "nova.volume.encryptors.nop.NoopEncryptor": None,
    "os_brick.encryptors.luks.LuksEncryptor": LUKS,
    "os_brick.encryptors.cryptsetup.CryptsetupEncryptor": PLAIN,
    "os_brick.encryptors.nop.NoopEncryptor": None,
    "LuksEncryptor": LUKS,
    "CryptsetupEncryptor": PLAIN,
    "NoOpEncryptor": None,
}

_ENCRYPTORS = {LUKS: LuksEncryptor, LUKS2: Luks2Encryptor}


def get_volume_encryptor(root_helper, connection_info, keymgr, execute=None, *args, **kwargs):
    """The encryptor for a volume: LUKS or LUKS2 for front-end encryption, else no-op."""
    location = kwargs.get("control_location")
    if not location or location.lower() != "front-end":
        return NoOpEncryptor(root_helper, connection_info, keymgr, execute)
    provider = kwargs.get("provider")
    provider = LEGACY_PROVIDER_CLASS_TO_FORMAT_MAP.get(provider, provider)
    if provider is None:
        return NoOpEncryptor(root_helper, connection_info, keymgr, execute)
    cls = _ENCRYPTORS.get(provider)
    if cls is None:
        data = connection_info.get("data", {})
        raise exception.VolumeEncryptionNotSupported(
            volume_type=f"{provider} (brickworks opens luks and luks2 only)",
            volume_id=data.get("volume_id", "?"))
    return cls(root_helper, connection_info, keymgr, execute, *args, **kwargs)


def get_encryption_metadata(context, volume_api, volume_id, connection_info):
    """The volume's encryption metadata from the volume service ({} when none)."""
    if not connection_info.get("data", {}).get("encrypted"):
        return {}
    return volume_api.get_volume_encryption_metadata(context, volume_id)
