"""KMS error codes become one actionable line of the right byok error type."""

import pytest
from botocore.exceptions import ClientError

from byok.errors import ImportTokenExpired, KeyNotExternal, KeyNotFound, KeyWrongState, KmsError, MaterialRejected
from byok.kms.errors import translate


def client_error(code: str, message: str = "details") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "ImportKeyMaterial")


@pytest.mark.parametrize(
    ("code", "error_type"),
    [
        ("ExpiredImportTokenException", ImportTokenExpired),
        ("InvalidImportTokenException", ImportTokenExpired),
        ("InvalidCiphertextException", MaterialRejected),
        ("IncorrectKeyMaterialException", MaterialRejected),
        ("UnsupportedOperationException", KeyNotExternal),
        ("NotFoundException", KeyNotFound),
        ("KMSInvalidStateException", KeyWrongState),
        ("SomethingNew", KmsError),
    ],
)
def test_codes_map_to_types(code, error_type):
    error = translate(client_error(code), "ImportKeyMaterial", "alias/dev-s3")
    assert type(error) is error_type
    assert "ImportKeyMaterial on alias/dev-s3 failed" in str(error)
    assert code in str(error)
    assert "\n" not in str(error)
