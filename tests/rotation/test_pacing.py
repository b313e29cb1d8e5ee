"""Client-side pacing to KMS's request quotas, and the quota overrides of byok.toml."""

from __future__ import annotations

import threading
import time

import pytest

from byok.errors import ConfigError
from byok.kms.pacing import QuotaPacer
from byok.policy import load_policy


def test_threads_sharing_an_account_region_get_the_quota_between_them_and_other_regions_their_own():
    pacer = QuotaPacer(lambda account: {"GetParametersForImport": 20})
    sent: dict[str, list[float]] = {"eu-west-1": [], "us-east-1": []}
    lock = threading.Lock()

    def call(region: str) -> None:
        pace = pacer.for_scope("111122223333", region)
        for _ in range(15):
            pace("GetParametersForImport")
            pace("DescribeKey")  # 2,000 per second: never the one that waits here
            with lock:
                sent[region].append(time.monotonic())

    threads = [threading.Thread(target=call, args=(region,)) for region in sent for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for times in sent.values():
        times.sort()
        assert len(times) == 30
    first = min(min(times) for times in sent.values())
    for times in sent.values():
        # 30 calls at 20 per second: the bucket's one second of burst (20), then 10 more at the rate
        assert times[-1] - times[0] >= 10 / 20 - 0.02
        assert times[-1] - first < 10 / 20 + 0.3  # and the two regions did not wait on each other


def test_raised_quotas_apply_to_their_account_only():
    pacer = QuotaPacer(lambda account: {"GetParametersForImport": 4} if account == "111122223333" else {}, headroom=0)
    assert pacer.rate("111122223333", "eu-west-1", "GetParametersForImport") == 4
    assert pacer.rate("999999999999", "eu-west-1", "GetParametersForImport") == 1
    assert pacer.rate("999999999999", "eu-west-1", "RotateKeyOnDemand") == 5
    started = time.monotonic()
    pacer.for_scope("999999999999", "eu-west-1")("GetCallerIdentity")  # no quota: never waits
    assert time.monotonic() - started < 0.05
    assert QuotaPacer().rate("999999999999", "eu-west-1", "GetParametersForImport") == pytest.approx(0.95)


def write_toml(tmp_path, body: str):
    path = tmp_path / "byok.toml"
    path.write_text('[estate]\norder = ["dev"]\n[environments.dev]\n' + body)
    return path


def test_byok_toml_raises_quotas_for_all_accounts_and_for_one(tmp_path):
    policy = load_policy(
        write_toml(
            tmp_path,
            "[rotation]\nworkers_per_region = 6\nhsm_sessions = 1\nbudget_warning = 3\n"
            'role_name = "byok-rotate"\nquota_headroom = 0.1\n'
            "[quotas]\nImportKeyMaterial = 30\n"
            '[quotas.accounts."111122223333"]\nGetParametersForImport = 4\n',
        )
    )
    assert policy.rotation.workers_per_region == 6 and policy.rotation.role_name == "byok-rotate"
    assert policy.rotation.quota_headroom == 0.1
    pacer = QuotaPacer(policy.quotas_of, headroom=0)
    assert pacer.rate("999999999999", "eu-west-1", "GetParametersForImport") == 1
    assert pacer.rate("999999999999", "eu-west-1", "ImportKeyMaterial") == 30
    assert pacer.rate("111122223333", "eu-west-1", "GetParametersForImport") == 4
    assert pacer.rate("111122223333", "eu-west-1", "ImportKeyMaterial") == 30  # the common override still applies


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[quotas]\nGetParametersForImports = 2\n", "quotas names unknown KMS quota(s) ['GetParametersForImports']"),
        ("[quotas]\nGetParametersForImport = 0\n", "is not a rate"),
        ('[quotas]\nGetParametersForImport = "fast"\n', "is not a rate"),
        ("[rotation]\nhsm_sessions = 0\n", "rotation.hsm_sessions must be a whole number from 1 to 64"),
        ("[rotation]\nworkers = 3\n", "unknown field 'rotation.workers'"),
        ("[rotation]\nbudget_warning = 26\n", "rotation.budget_warning must be a whole number from 0 to 25"),
        ("[rotation]\nquota_headroom = 0.9\n", "rotation.quota_headroom must be a fraction from 0 to 0.5"),
    ],
)
def test_bad_rotation_and_quota_settings_are_one_clear_line(tmp_path, body, message):
    with pytest.raises(ConfigError) as caught:
        load_policy(write_toml(tmp_path, body))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value) and " -> " in str(caught.value)


def test_a_slow_quota_is_spaced_from_when_the_previous_request_really_left(monkeypatch):
    """A request that left late (its thread waited for the interpreter) pushes the next one back, not into it."""
    from byok.kms import pacing

    now = [10.0]
    monkeypatch.setattr(pacing.time, "sleep", lambda seconds: now.__setitem__(0, now[0] + seconds))
    spacing = pacing.Spacing(1.0)
    spacing.hold(lambda: now[0])  # first request leaves at 10.0
    now[0] = 11.3  # the second was due at 11.0 but its thread woke late
    spacing.hold(lambda: now[0])
    now[0] = 12.05  # the third is on time by the bucket's clock (12.0), only 0.75 s after the second left
    spacing.hold(lambda: now[0])
    assert now[0] == pytest.approx(12.3)  # held back to a full second after the second's real departure
