"""AWS KMS side of byok: import parameters, import, rotation and material listing, through boto3.

``KmsClient`` is loaded on first use (PEP 562): the package also holds boto3-free modules (quotas,
pacing) that ``byok drift code`` needs, and importing boto3 would cost that command most of its run time.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from byok.kms.client import KmsClient

__all__ = ["KmsClient"]


def __getattr__(name: str) -> Any:
    if name == "KmsClient":
        from byok.kms.client import KmsClient

        return KmsClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
