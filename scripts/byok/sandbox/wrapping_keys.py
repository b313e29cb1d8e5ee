"""RSA wrapping key pairs for GetParametersForImport, generated ahead of need.

An RSA-4096 key takes 0.6-1 s to generate here, which would make every GetParametersForImport slow. Real KMS
hands out a fresh pair per call; what matters for the import protocol is that a token is bound to its key,
algorithm and wrapping key (see ``tokens``), not that a sandbox never reuses a pair. So each spec keeps a
small pool filled once in the background and served round-robin: consecutive calls still get different public
keys, which lets tests prove that material wrapped for one pair is refused by another.
"""

from __future__ import annotations

import itertools
import threading

from cryptography.hazmat.primitives.asymmetric import rsa

from byok.model import WrappingKeySpec

POOL_SIZE = 2


class WrappingKeyPool:
    def __init__(self, size: int = POOL_SIZE) -> None:
        self._size = size
        self._keys: dict[WrappingKeySpec, list[rsa.RSAPrivateKey]] = {spec: [] for spec in WrappingKeySpec}
        self._locks = {spec: threading.Lock() for spec in WrappingKeySpec}
        self._turn = itertools.count()

    def _fill(self, spec: WrappingKeySpec, up_to: int) -> list[rsa.RSAPrivateKey]:
        with self._locks[spec]:
            keys = self._keys[spec]
            while len(keys) < up_to:
                keys.append(rsa.generate_private_key(public_exponent=65537, key_size=spec.bits))
            return keys

    def key_for(self, spec: WrappingKeySpec) -> rsa.RSAPrivateKey:
        """A pooled key; waits for (or makes) the first one only if the background fill has not got there."""
        keys = self._keys[spec] or self._fill(spec, 1)
        return keys[next(self._turn) % len(keys)]

    def prewarm(self) -> threading.Thread:
        """Fill every spec in a daemon thread, smallest first, so start-up never waits for it."""

        def fill_all() -> None:
            for spec in WrappingKeySpec:
                self._fill(spec, self._size)

        thread = threading.Thread(target=fill_all, name="byok-wrapping-keys", daemon=True)
        thread.start()
        return thread


POOL = WrappingKeyPool()
