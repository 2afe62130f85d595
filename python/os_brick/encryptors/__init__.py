"""os_brick.encryptors: format names and metadata lookup; no encryption.

brickworks attaches volumes but does not set up dm-crypt: asking for an
encryptor of an encrypted volume raises VolumeEncryptionNotSupported, so a
caller fails loudly instead of exposing ciphertext as plaintext.
"""

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


class NoOpEncryptor:
    """The encryptor of a volume that is not encrypted."""

    def __init__(self, root_helper=None, connection_info=None, keymgr=None, execute=None,
                 *args, **kwargs):
        self.connection_info = connection_info

    def attach_volume(self, context, **kwargs):
        pass

    def detach_volume(self, **kwargs):
        pass

    def extend_volume(self, context, **kwargs):
        return None


def get_volume_encryptor(root_helper, connection_info, keymgr, execute=None, *args, **kwargs):
    provider = kwargs.get("provider")
    provider = LEGACY_PROVIDER_CLASS_TO_FORMAT_MAP.get(provider, provider)
    if provider is None:
        return NoOpEncryptor(root_helper, connection_info, keymgr, execute)
    data = connection_info.get("data", {})
    raise exception.VolumeEncryptionNotSupported(
        volume_type=f"{provider} (brickworks does not encrypt)",
        volume_id=data.get("volume_id", "?"))


def get_encryption_metadata(context, volume_api, volume_id, connection_info):
    """The volume's encryption metadata from the volume service ({} when none)."""
    if not connection_info.get("data", {}).get("encrypted"):
        return {}
    return volume_api.get_volume_encryption_metadata(context, volume_id)
