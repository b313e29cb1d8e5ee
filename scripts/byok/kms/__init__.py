"""AWS KMS side of byok: import parameters, import, rotation and material listing, through boto3."""

from byok.kms.client import KmsClient

__all__ = ["KmsClient"]
