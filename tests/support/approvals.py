"""Import parameters for SO approvals made directly on the token, with a chosen expiry.

The approval objects are real token objects made by the real SO session; only the parameters are made here
(a fresh RSA public key, a placeholder import token), so that an approval can be old without waiting 24 h.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from byok.model import ImportParameters, WrappingAlgorithm, WrappingKeySpec


def import_parameters(key_arn: str, valid_to: datetime) -> ImportParameters:
    public = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return ImportParameters(
        key_arn=key_arn,
        public_key_der=der,
        import_token=b"never sent to KMS",
        valid_to=valid_to,
        algorithm=WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256,
        wrapping_key_spec=WrappingKeySpec.RSA_2048,
    )


_APPROVE = """
import base64, json, sys
from datetime import datetime
from byok.config import HsmSettings, read_so_pin
from byok.hsm import Pkcs11Hsm
from byok.model import ImportParameters, WrappingAlgorithm, WrappingKeySpec
d = json.load(sys.stdin)
params = ImportParameters(d["key_arn"], base64.b64decode(d["public_key"]), b"never sent to KMS",
    datetime.fromisoformat(d["valid_to"]), WrappingAlgorithm(d["algorithm"]), WrappingKeySpec(d["spec"]))
with Pkcs11Hsm.open_as_security_officer(HsmSettings.from_env(), read_so_pin()) as officer:
    officer.approve_wrapping_key(params)
"""


def approve_in_own_process(params: ImportParameters, token: Any, so_pin_file: Path) -> None:
    """The SO's approval on ``token`` (conftest's TokenUnderTest), from a process of its own: PKCS#11 allows one
    login per process, and the test's holds the user's. The SO PIN is read from the file, as byok reads it."""
    document = {
        "key_arn": params.key_arn,
        "public_key": base64.b64encode(params.public_key_der).decode(),
        "valid_to": params.valid_to.isoformat(),
        "algorithm": params.algorithm.value,
        "spec": params.wrapping_key_spec.value,
    }
    env = {**os.environ, **token.env, "BYOK_TOKEN_LABEL": token.label, "BYOK_HSM_SO_PIN_FILE": str(so_pin_file)}
    subprocess.run(
        [sys.executable, "-c", _APPROVE], input=json.dumps(document), env=env, text=True, check=True, timeout=60
    )
