"""What byok knows about each PKCS#11 implementation, to name the real cause of a failure.

Recognised by the library's file name, which is all there is before C_Initialize succeeds.
docs/walkthrough.md has the full vendor table (paths, mechanism differences, who sets CKA_TRUSTED).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Vendor:
    name: str
    install_hint: str
    service_cause: str = ""
    service_remedy: str = ""


GENERIC = Vendor("PKCS#11", "see docs/walkthrough.md for each vendor's library path")

_BY_FILE_NAME: tuple[tuple[str, Vendor], ...] = (
    ("softhsm", Vendor("SoftHSM2", "Debian: apt install softhsm2")),
    (
        "opencryptoki",
        Vendor(
            "opencryptoki",
            "Debian: apt install opencryptoki",
            service_cause="its slot daemon pkcsslotd is not running",
            service_remedy="start it (`pkcsslotd` as root, or `systemctl start pkcsslotd`) and re-run",
        ),
    ),
    (
        "cknfast",
        Vendor(
            "nShield",
            "install Security World and use /opt/nfast/toolkits/pkcs11/libcknfast.so",
            service_cause="the hardserver is not running or not reachable",
            service_remedy="start the nShield hardserver (`/opt/nfast/sbin/init.d-ncipher start`) and re-run",
        ),
    ),
    (
        "cryptoki",
        Vendor("Thales Luna", "install the Luna client and use /usr/safenet/lunaclient/lib/libCryptoki2_64.so"),
    ),
    ("cloudhsm", Vendor("AWS CloudHSM", "install the CloudHSM PKCS#11 library (/opt/cloudhsm/lib)")),
)


def vendor_for(module: str) -> Vendor:
    name = Path(module).name.lower()
    return next((vendor for pattern, vendor in _BY_FILE_NAME if pattern in name), GENERIC)
