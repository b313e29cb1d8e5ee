"""``[material]`` in byok.toml: minimum wrapping algorithm and trusted-wrapping mode, with a reasoned opt-out."""

from __future__ import annotations

from pathlib import Path

import pytest

from byok.errors import ConfigError
from byok.material_policy import TrustedWrapping, run_note
from byok.model import WrappingAlgorithm
from byok.policy import load_policy

ESTATE = '[estate]\norder = ["dev"]\n[environments.dev]\n'


def _load(tmp_path: Path, material: str):
    path = tmp_path / "byok.toml"
    path.write_text(ESTATE + material)
    return load_policy(path).material


def test_defaults_turn_key_ceremony_on_where_supported(tmp_path):
    policy = _load(tmp_path, "")
    assert policy.trusted_wrapping == TrustedWrapping.WHEN_SUPPORTED and policy.minimum_wrapping_algorithm is None
    assert run_note("material import", policy) == "material import (trusted wrapping when-supported)"


def test_opt_out_needs_a_reason_which_every_run_journals(tmp_path):
    with pytest.raises(ConfigError, match="trusted_wrapping = 'off' needs material.trusted_wrapping_opt_out"):
        _load(tmp_path, '[material]\ntrusted_wrapping = "off"\n')
    policy = _load(tmp_path, '[material]\ntrusted_wrapping = "off"\ntrusted_wrapping_opt_out = "vendor ticket 42"\n')
    assert run_note("rotate apply", policy) == "rotate apply (trusted wrapping off: vendor ticket 42)"


@pytest.mark.parametrize(
    "material",
    [
        '[material]\nminimum_wrapping_algorithm = "RSA_OAEP_MD5"\n',
        '[material]\ntrusted_wrapping = "sometimes"\n',
        '[material]\nminimum = "RSAES_OAEP_SHA_256"\n',
    ],
)
def test_bad_values_are_one_line_config_errors(tmp_path, material):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, material)
    assert "\n" not in str(caught.value) and caught.value.exit_code == 3


def test_minimum_algorithm(tmp_path):
    policy = _load(tmp_path, '[material]\nminimum_wrapping_algorithm = "RSAES_OAEP_SHA_256"\n')
    assert policy.minimum_wrapping_algorithm == WrappingAlgorithm.RSAES_OAEP_SHA_256
    assert WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_256.at_least(policy.minimum_wrapping_algorithm)
    assert not WrappingAlgorithm.RSA_AES_KEY_WRAP_SHA_1.at_least(policy.minimum_wrapping_algorithm)
