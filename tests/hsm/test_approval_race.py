"""rotate apply's pool: one session supersedes or sweeps approvals while another destroys its own after an import.

The interleaving is reproduced on the real SoftHSM2 token: the sweeping session found the objects' handles, then
another session destroyed them before it read or destroyed them. The sweep must neither fail nor claim (and
journal) a destruction it did not do. ``Replayed`` hands the sweep the handles found before the destruction.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import PyKCS11
import pytest

from byok.hsm.approvals import destroy_selected, trusted_objects
from support.approvals import approve_in_own_process, import_parameters

pytestmark = pytest.mark.needs("trusted-wrapping")


class Replayed:
    """A real session whose object search answers what an earlier search found (the other session's race)."""

    def __init__(self, session: PyKCS11.Session, found: list[int]) -> None:
        self.session, self.found = session, found

    def findObjects(self, template: list) -> list[int]:  # noqa: N802 - PyKCS11's name
        return self.found

    def __getattr__(self, name: str):
        return getattr(self.session, name)


def test_objects_destroyed_by_another_session_meanwhile_are_skipped_not_claimed(hsm, token, tmp_path):
    so_pin_file = tmp_path / "so-pin"
    so_pin_file.write_text(token.so_pin)
    so_pin_file.chmod(0o600)
    gone, stays = (
        import_parameters(f"arn:aws:kms:eu-west-1:111122223333:key/race-{n}", datetime.now(UTC) - timedelta(hours=1))
        for n in (1, 2)
    )
    approve_in_own_process(gone, token, so_pin_file)
    approve_in_own_process(stays, token, so_pin_file)

    def race(session: PyKCS11.Session) -> tuple[list, list]:
        found = list(session.findObjects([(PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_TRUSTED, True)]))
        assert len(found) == 4
        for handle, item in trusted_objects(session):  # the other session's import finished: it destroys its own
            if item.key_arn == gone.key_arn:
                session.destroyObject(handle)
        listed = trusted_objects(Replayed(session, found))
        destroyed = destroy_selected(Replayed(session, found), lambda item: True)
        return listed, destroyed

    listed, destroyed = hsm._connection.run(race)
    assert {item.key_arn for _, item in listed} == {stays.key_arn}
    assert [item.key_arn for item in destroyed] == [stays.key_arn] * 2
    assert hsm.trusted_objects() == []
