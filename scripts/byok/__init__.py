"""byok: rotate AWS KMS keys whose material lives in an on-premise HSM."""

__version__ = "0.1.0"
