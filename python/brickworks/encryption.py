"""os-brick's volume encryptors over libbrick's LUKS support.

LuksEncryptor (LUKS1) and Luks2Encryptor open LUKS on the device a connector
attached (connection_info["data"]["device_path"]) as /dev/mapper/crypt-<name>,
formatting a volume that has no LUKS header on its first use, as os-brick
does. The key comes from the key manager and is passed to libbrick in memory
(in process) or in a private file (through the root helper); libbrick hands it
to cryptsetup on a pipe, never on a command line.

Difference from os-brick 6.1: os-brick repoints the device_path symlink at the
mapping with `ln -sf`; here attach_volume stores the mapping's path in
connection_info["data"]["device_path"] instead and touches no link.
"""

import binascii
import os

from brickworks import backend
from brickworks import exception


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


class LuksEncryptor:
    """LUKS1 on an attached block device (os-brick's LuksEncryptor)."""

    luks_format = "luks"

    def __init__(self, root_helper, connection_info, keymgr, execute=None, *args, **kwargs):
        data = connection_info["data"]
        if not data.get("device_path"):
            raise exception.VolumeEncryptionNotSupported(
                volume_id=data.get("volume_id") or connection_info.get("serial"),
                volume_type=connection_info["driver_volume_type"])
        self.connection_info = connection_info
        self.symlink_path = data["device_path"]
        self.dev_name = "crypt-%s" % os.path.basename(self.symlink_path)
        self._key_manager = keymgr
        self.encryption_key_id = kwargs.get("encryption_key_id")
        self._backend = backend.choose(root_helper)

    def _get_key(self, context):
        return self._key_manager.get(context, self.encryption_key_id)

    def _get_passphrase(self, key):
        return binascii.hexlify(key).decode("utf-8")

    def attach_volume(self, context, **kwargs):
        """Opens LUKS on the device; device_path becomes /dev/mapper/crypt-<name>."""
        passphrase = self._get_passphrase(self._get_key(context).get_encoded())
        path = self._backend.luks_open(self.symlink_path, passphrase, self.luks_format)
        self.connection_info["data"]["device_path"] = path

    def detach_volume(self, **kwargs):
        """Closes the mapping (nothing to do when it is not open)."""
        self._backend.luks_close("/dev/mapper/" + self.dev_name)

    def extend_volume(self, context, **kwargs):
        raise NotImplementedError("resizing an open LUKS mapping is done by brick extend")


class Luks2Encryptor(LuksEncryptor):
    """LUKS2 on an attached block device (os-brick's Luks2Encryptor)."""

    luks_format = "luks2"
