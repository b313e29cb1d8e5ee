"""What moto recomputes on every request and need not: the sandbox's own CPU is not AWS's.

On this machine the endpoint shares two cores with the tools it serves, so whatever moto spends per request
is charged to whichever tool makes the calls, most to the tool that makes them fastest; against AWS that cost
is Amazon's. Two of moto's costs are pure waste and are removed here, without changing any answer:

- the dispatcher lists moto's package directory, with a ``stat`` per entry (hundreds), to check whether
  the request's host is a module name, on every request and under the dispatcher's global lock, so every
  request waits for every other one's directory walk; the package does not change while it runs, so the
  listing is taken once;
- ``camelcase_to_underscores`` is a pure function of a short attribute name, recomputed character by
  character tens of times per response (SQS builds every attribute of a queue for each GetQueueAttributes);
  it is memoised in every moto module that imported it.
"""

from __future__ import annotations

import functools
import sys

from moto import backends
from moto.core import utils

_MODULES = tuple(backends.list_of_moto_modules())
_CONVERSIONS = 4096  # distinct attribute names moto converts: a few hundred; the bound keeps memory fixed


def _moto_modules() -> tuple[str, ...]:
    return _MODULES


_ORIGINAL_CONVERSION = utils.camelcase_to_underscores
camelcase_to_underscores = functools.lru_cache(maxsize=_CONVERSIONS)(_ORIGINAL_CONVERSION)


def install() -> None:
    """Idempotent. Modules moto imports later bind the memoised function from ``moto.core.utils`` themselves."""
    backends.list_of_moto_modules = _moto_modules
    utils.camelcase_to_underscores = camelcase_to_underscores
    for name, module in list(sys.modules.items()):
        if name.startswith("moto.") and getattr(module, "camelcase_to_underscores", None) is _ORIGINAL_CONVERSION:
            module.camelcase_to_underscores = camelcase_to_underscores
