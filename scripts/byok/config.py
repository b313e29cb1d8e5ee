"""Runtime settings, read from the environment so that secrets never travel on argv.

The HSM PIN comes from ``BYOK_HSM_PIN`` or from the file named by ``BYOK_HSM_PIN_FILE``;
every other setting can also be given on the command line.
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from byok.errors import ConfigError
from byok.model import WrappingAlgorithm, WrappingKeySpec

DEFAULT_PKCS11_MODULE = "/usr/lib/softhsm/libsofthsm2.so"
DEFAULT_TOKEN_LABEL = "byok"  # noqa: S105 - a PKCS#11 token label, not a secret
ALLOW_SHARED_PIN_FILE = "BYOK_ALLOW_SHARED_PIN_FILE"
_SHARED = stat.S_IRWXG | stat.S_IRWXO

log = logging.getLogger(__name__)


def read_pin(env: dict[str, str] | None = None) -> str:
    """Return the HSM user PIN from the environment or a PIN file; never from argv."""
    env = dict(os.environ) if env is None else env
    if env.get("BYOK_HSM_PIN"):
        return env["BYOK_HSM_PIN"]
    pin_file = env.get("BYOK_HSM_PIN_FILE")
    if pin_file:
        path = Path(pin_file)
        try:
            _check_private(path, env)
            pin = path.read_text(encoding="utf-8").strip()
        except UnicodeDecodeError:
            raise ConfigError(f"the HSM PIN file {path} is not text", "write the token user PIN into it") from None
        except OSError as exc:
            raise ConfigError(
                f"cannot read the HSM PIN file {path}: {exc.strerror}",
                "point BYOK_HSM_PIN_FILE at a readable file that holds the PIN",
            ) from None
        if not pin:
            raise ConfigError(f"the HSM PIN file {path} is empty", "write the token user PIN into it")
        return pin
    raise ConfigError(
        "no HSM PIN given",
        "set BYOK_HSM_PIN or BYOK_HSM_PIN_FILE (the PIN is never accepted on the command line)",
    )


def read_so_pin(env: dict[str, str] | None = None) -> str:
    """The security officer PIN, from the file named by ``BYOK_HSM_SO_PIN_FILE`` only (never argv, never a variable)."""
    env = dict(os.environ) if env is None else env
    if not env.get("BYOK_HSM_SO_PIN_FILE"):
        raise ConfigError(
            "no security officer PIN given",
            "the security officer sets BYOK_HSM_SO_PIN_FILE to a file holding the SO PIN (never on the command line)",
        )
    return read_pin({"BYOK_HSM_PIN_FILE": env["BYOK_HSM_SO_PIN_FILE"]})


def _check_private(path: Path, env: dict[str, str]) -> None:
    """A PIN file others can read is a PIN others know: refused, or only warned about when the owner opts out."""
    mode = path.stat().st_mode
    if not mode & _SHARED:
        return
    cause = f"the HSM PIN file {path} is open to group or others (mode {stat.filemode(mode)})"
    if env.get(ALLOW_SHARED_PIN_FILE) == "1":
        log.warning("WARNING: %s; accepted because %s=1", cause, ALLOW_SHARED_PIN_FILE)
        return
    raise ConfigError(
        cause, f"chmod 600 {path}; or set {ALLOW_SHARED_PIN_FILE}=1 to accept it with a warning (not recommended)"
    )


@dataclass(frozen=True)
class HsmSettings:
    module: str
    token_label: str
    forced_algorithm: WrappingAlgorithm | None = None
    wrapping_key_spec: WrappingKeySpec = WrappingKeySpec.RSA_4096

    @classmethod
    def from_env(
        cls,
        module: str | None = None,
        token_label: str | None = None,
        algorithm: str | None = None,
        env: dict[str, str] | None = None,
    ) -> HsmSettings:
        env = dict(os.environ) if env is None else env
        forced = algorithm or env.get("BYOK_WRAPPING_ALGORITHM") or None
        spec = env.get("BYOK_WRAPPING_KEY_SPEC", WrappingKeySpec.RSA_4096.value)
        return cls(
            module=module or env.get("BYOK_PKCS11_MODULE", DEFAULT_PKCS11_MODULE),
            token_label=token_label or env.get("BYOK_TOKEN_LABEL", DEFAULT_TOKEN_LABEL),
            forced_algorithm=_parse_enum(WrappingAlgorithm, forced, "wrapping algorithm") if forced else None,
            wrapping_key_spec=_parse_enum(WrappingKeySpec, spec, "wrapping key spec"),
        )


@dataclass(frozen=True)
class AwsSettings:
    endpoint_url: str | None
    region: str

    @classmethod
    def from_env(
        cls, endpoint_url: str | None = None, region: str | None = None, env: dict[str, str] | None = None
    ) -> AwsSettings:
        env = dict(os.environ) if env is None else env
        return cls(
            endpoint_url=endpoint_url or env.get("BYOK_AWS_ENDPOINT") or env.get("AWS_ENDPOINT_URL") or None,
            region=region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-central-1",
        )


def _parse_enum(enum_type, value: str, what: str):
    try:
        return enum_type(value)
    except ValueError:
        choices = ", ".join(member.value for member in enum_type)
        raise ConfigError(f"unknown {what} {value!r}", f"choose one of: {choices}") from None
