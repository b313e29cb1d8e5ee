"""GetKeyLastUsage: empty until the first cryptographic use, then the operation and the sandbox time."""

from __future__ import annotations

from datetime import timedelta

from byok.sandbox import clock


def test_last_usage_follows_encrypt_and_decrypt(kms, imported_key):
    key_id, _ = imported_key
    fresh = kms.get_key_last_usage(KeyId=key_id)
    assert fresh["KeyLastUsage"] == {} and fresh["KeyCreationDate"] == fresh["TrackingStartDate"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    assert kms.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]["Operation"] == "Encrypt"
    clock.advance(timedelta(days=40).total_seconds())
    try:
        kms.decrypt(CiphertextBlob=blob)
        usage = kms.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]
        assert usage["Operation"] == "Decrypt"
        assert abs(usage["Timestamp"] - clock.now()) < timedelta(seconds=2)
    finally:
        clock.reset()


def test_a_failed_decrypt_is_not_a_use(kms, imported_key):
    key_id, _ = imported_key
    try:
        kms.decrypt(CiphertextBlob=b"BYOK-garbage")
    except kms.exceptions.InvalidCiphertextException:
        pass
    assert kms.get_key_last_usage(KeyId=key_id)["KeyLastUsage"] == {}
