"""A bounded pool of HSM sessions shared by concurrent rotations; it is itself an ``HsmBackend``.

A PKCS#11 session runs one operation at a time, and PyKCS11 spreads some operations over several
C calls (C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal) between which another thread could
run: each thread therefore borrows a whole session for one backend call. The pool is bounded because
HSMs limit sessions per client. PyKCS11 1.5.x holds the GIL through every C call (its extension
never releases it), so calls into one process's library are serialised whatever the pool size: this
is what makes threads safe with SoftHSM2, whose locking is off when C_Initialize gets no arguments,
and why a pool larger than two buys nothing with it. With a network HSM the pool still bounds the
sessions opened; the waiting for KMS, which dominates a rotation, runs in parallel either way.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from byok.hsm.backend import AlgorithmChoice, HsmBackend, TokenInfo
from byok.model import HsmMaterial, WrappingAlgorithm

if TYPE_CHECKING:  # PyKCS11-free for callers that only type against the protocol
    from byok.hsm.approvals import Select, TrustedObject

T = TypeVar("T")


class HsmPool:
    def __init__(self, sessions: list[HsmBackend]) -> None:
        if not sessions:
            raise ValueError("an HSM pool needs at least one session")
        self._all = list(sessions)
        self._idle: queue.SimpleQueue[HsmBackend] = queue.SimpleQueue()
        for session in sessions:
            self._idle.put(session)

    @classmethod
    def open(cls, size: int, open_session: Callable[[], HsmBackend]) -> HsmPool:
        opened: list[HsmBackend] = []
        try:
            for _ in range(size):
                opened.append(open_session())
        except BaseException:
            for session in opened:
                session.close()
            raise
        return cls(opened)

    def __enter__(self) -> HsmPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _borrowed(self) -> Iterator[HsmBackend]:
        session = self._idle.get()
        try:
            yield session
        finally:
            self._idle.put(session)

    def _with(self, call: Callable[[HsmBackend], T]) -> T:
        with self._borrowed() as session:
            return call(session)

    def token_info(self) -> TokenInfo:
        return self._with(lambda hsm: hsm.token_info())

    def wrapping_capabilities(self) -> list[WrappingAlgorithm]:
        return self._with(lambda hsm: hsm.wrapping_capabilities())

    def choose_algorithm(self, forced: WrappingAlgorithm | None = None) -> AlgorithmChoice:
        return self._with(lambda hsm: hsm.choose_algorithm(forced))

    def generate_material(self, label: str) -> HsmMaterial:
        return self._with(lambda hsm: hsm.generate_material(label))

    def find_material(self, label: str) -> HsmMaterial | None:
        return self._with(lambda hsm: hsm.find_material(label))

    def list_materials(self, prefix: str = "") -> list[HsmMaterial]:
        return self._with(lambda hsm: hsm.list_materials(prefix))

    def wrap(self, label: str, public_key_der: bytes, algorithm: WrappingAlgorithm) -> bytes:
        return self._with(lambda hsm: hsm.wrap(label, public_key_der, algorithm))

    def destroy_material(self, label: str) -> None:
        self._with(lambda hsm: hsm.destroy_material(label))

    def ceremony_note(self) -> str:
        return self._with(lambda hsm: hsm.ceremony_note())

    def release_approval(self, public_key_der: bytes) -> int:
        return self._with(lambda hsm: hsm.release_approval(public_key_der))

    def trusted_objects(self) -> list[TrustedObject]:
        return self._with(lambda hsm: hsm.trusted_objects())

    def destroy_approvals(self, select: Select) -> list[TrustedObject]:
        return self._with(lambda hsm: hsm.destroy_approvals(select))

    def close(self) -> None:
        for session in self._all:
            session.close()
