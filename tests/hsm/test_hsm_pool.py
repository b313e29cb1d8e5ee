"""The HSM session pool under threads, on a real SoftHSM2 token: what ``rotate apply``'s workers share.

PyKCS11 holds the GIL through every PKCS#11 call, so SoftHSM2 (whose own locking is off when C_Initialize
gets no arguments) is never entered by two threads at once; what threads can still interleave are the
several C calls of one PyKCS11 operation (C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal), which
is why each call borrows a whole session from the pool.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from byok.hsm import Pkcs11Hsm
from byok.hsm.pool import HsmPool

THREADS = 6
PER_THREAD = 4


def test_threads_sharing_two_sessions_generate_wrap_and_find_without_mixing_up_objects(
    settings, user_pin, public_key_der
):
    der = public_key_der(2048)
    with HsmPool.open(2, lambda: Pkcs11Hsm.open(settings, user_pin)) as pool:
        algorithm = pool.choose_algorithm().algorithm

        def work(thread: int) -> list[tuple[str, str, int]]:
            done = []
            for n in range(PER_THREAD):
                label = f"pool-test/{thread}/{n}"
                made = pool.generate_material(label)
                wrapped = pool.wrap(label, der, algorithm)
                found = pool.find_material(label)
                assert found == made  # same object, same check value, whichever session looked
                done.append((label, made.check_value, len(wrapped)))
            return done

        with ThreadPoolExecutor(THREADS) as threads:
            results = [row for rows in threads.map(work, range(THREADS)) for row in rows]
        listed = {m.label: m.check_value for m in pool.list_materials("pool-test/")}
        assert len(results) == len(listed) == THREADS * PER_THREAD
        assert all(listed[label] == kcv and size > 0 for label, kcv, size in results)
        for label in listed:
            pool.destroy_material(label)


def test_a_pool_needs_a_session_and_closes_what_it_opened_when_one_fails(settings, user_pin):
    with pytest.raises(ValueError, match="at least one session"):
        HsmPool([])
    opened: list[Pkcs11Hsm] = []

    def open_session() -> Pkcs11Hsm:
        if len(opened) == 2:
            raise RuntimeError("the HSM refused a third session")
        opened.append(Pkcs11Hsm.open(settings, user_pin))
        return opened[-1]

    with pytest.raises(RuntimeError, match="third session"):
        HsmPool.open(3, open_session)
    with pytest.raises(Exception, match="closed"):
        opened[0].find_material("anything")
