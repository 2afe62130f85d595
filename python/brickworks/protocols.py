"""os-brick's protocol names and platform constants (os_brick.initiator)."""

DEVICE_SCAN_ATTEMPTS_DEFAULT = 3

PLATFORM_ALL = "ALL"
PLATFORM_x86 = "X86"
PLATFORM_S390 = "S390"
PLATFORM_PPC64 = "PPC64"
OS_TYPE_ALL = "ALL"
OS_TYPE_LINUX = "LINUX"
OS_TYPE_WINDOWS = "WIN"

S390X = "s390x"
S390 = "s390"
PPC64 = "ppc64"
PPC64LE = "ppc64le"

ISCSI = "ISCSI"
ISER = "ISER"
FIBRE_CHANNEL = "FIBRE_CHANNEL"
NFS = "NFS"
SMBFS = "SMBFS"
GLUSTERFS = "GLUSTERFS"
LOCAL = "LOCAL"
HUAWEISDSHYPERVISOR = "HUAWEISDSHYPERVISOR"
RBD = "RBD"
SCALEIO = "SCALEIO"
SCALITY = "SCALITY"
QUOBYTE = "QUOBYTE"
VZSTORAGE = "VZSTORAGE"
VMDK = "VMDK"
GPFS = "GPFS"
STORPOOL = "STORPOOL"
NVME = "NVME"
NVMEOF = "NVMEOF"
LIGHTOS = "LIGHTOS"

# Every protocol name os-brick 6.1 knows; brickworks builds ISCSI, ISER, NVME, NVMEOF,
# FIBRE_CHANNEL, NFS, RBD (kernel client) and LOCAL.
OS_BRICK_NAMES = frozenset(
    value for key, value in dict(globals()).items()
    if key.isupper() and isinstance(value, str) and value.isupper() and key == value)
