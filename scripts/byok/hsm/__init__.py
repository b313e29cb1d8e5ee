"""The HSM side of rotation: generate material, wrap it inside the token, report check values."""

from byok.hsm.backend import AlgorithmChoice, HsmBackend, TokenInfo
from byok.hsm.pkcs11 import Pkcs11Hsm
from byok.hsm.softhsm import SoftHsmToken

__all__ = ["AlgorithmChoice", "HsmBackend", "Pkcs11Hsm", "SoftHsmToken", "TokenInfo"]
