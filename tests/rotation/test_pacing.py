"""Client-side pacing to KMS's request quotas, and the quota overrides of byok.toml."""

from __future__ import annotations

import threading
import time

import pytest

from byok.errors import ConfigError
from byok.kms.pacing import QuotaPacer, TokenBucket
from byok.kms.quotas import QuotaTable
from byok.policy import load_policy


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_spaces_requests_at_its_rate_and_a_quiet_spell_earns_no_burst():
    clock = FakeClock()
    bucket = TokenBucket(rate=2, clock=clock)
    assert [bucket.reserve() for _ in range(4)] == [0.0, 0.5, 1.0, 1.5]
    clock.now += 10  # idle for ten seconds
    assert [bucket.reserve() for _ in range(2)] == [0.0, 0.5]  # one token only: no burst of 20


def test_threads_sharing_an_account_region_get_the_quota_between_them_and_other_regions_their_own():
    pacer = QuotaPacer(lambda account: QuotaTable({"GetParametersForImport": 20}))
    sent: dict[str, list[float]] = {"eu-west-1": [], "us-east-1": []}
    lock = threading.Lock()

    def call(region: str) -> None:
        pace = pacer.for_scope("111122223333", region)
        for _ in range(5):
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
        assert len(times) == 10
    first = min(min(times) for times in sent.values())
    for times in sent.values():
        assert times[-1] - times[0] >= 9 / 20 - 0.02  # ten calls of one account-region: never faster than 20/s
        assert times[-1] - first < 9 / 20 + 0.3  # and the two regions did not wait on each other


def test_operations_map_to_their_quota_and_unpaced_ones_to_none():
    table = QuotaTable()
    assert table.quota_of("UpdateAlias") == "UpdateAlias"
    assert table.quota_of("Decrypt") == table.quota_of("Encrypt") == "Cryptographic operations (symmetric)"
    assert table.quota_of("GetCallerIdentity") is None
    assert table.rate("GetParametersForImport") == 1
    assert table.rate("RotateKeyOnDemand") == 5


def write_toml(tmp_path, body: str):
    path = tmp_path / "byok.toml"
    path.write_text('[estate]\norder = ["dev"]\n[environments.dev]\n' + body)
    return path


def test_byok_toml_raises_quotas_for_all_accounts_and_for_one(tmp_path):
    policy = load_policy(
        write_toml(
            tmp_path,
            '[rotation]\nworkers_per_region = 6\nhsm_sessions = 1\nbudget_warning = 3\nrole_name = "byok-rotate"\n'
            "[quotas]\nImportKeyMaterial = 30\n"
            '[quotas.accounts."111122223333"]\nGetParametersForImport = 4\n',
        )
    )
    assert policy.rotation.workers_per_region == 6 and policy.rotation.role_name == "byok-rotate"
    assert policy.quotas_of("999999999999").rate("GetParametersForImport") == 1
    assert policy.quotas_of("999999999999").rate("ImportKeyMaterial") == 30
    assert policy.quotas_of("111122223333").rate("GetParametersForImport") == 4
    assert policy.quotas_of("111122223333").rate("ImportKeyMaterial") == 30  # the common override still applies


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[quotas]\nGetParametersForImports = 2\n", "unknown KMS quota(s) ['GetParametersForImports']"),
        ("[quotas]\nGetParametersForImport = 0\n", "is not a rate"),
        ('[quotas]\nGetParametersForImport = "fast"\n', "is not a rate"),
        ("[rotation]\nhsm_sessions = 0\n", "rotation.hsm_sessions must be a whole number from 1 to 64"),
        ("[rotation]\nworkers = 3\n", "rotation has unknown field(s) ['workers']"),
        ("[rotation]\nbudget_warning = 26\n", "rotation.budget_warning must be a whole number from 0 to 25"),
    ],
)
def test_bad_rotation_and_quota_settings_are_one_clear_line(tmp_path, body, message):
    with pytest.raises(ConfigError) as caught:
        load_policy(write_toml(tmp_path, body))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value) and " -> " in str(caught.value)
