"""A local AWS endpoint (moto) whose KMS imports, rotates and expires key material as the real service does.

``install()`` patches moto in-process; ``byok.sandbox.server`` serves it over HTTP; ``byok.sandbox.clock``
lets tests move time; ``check_value`` lets tests compare what KMS imported with what the HSM holds;
``byok.sandbox.throttle`` adds KMS's request quotas and a network latency (off unless switched on);
``byok.sandbox.multi_region`` keeps a multi-Region key's materials in step across Regions as KMS does.
"""

from byok.sandbox.introspection import check_value
from byok.sandbox.kms_import import install

__all__ = ["check_value", "install"]
