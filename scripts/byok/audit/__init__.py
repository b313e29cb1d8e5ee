"""The audit trail: a hash-chained journal of every rotation step, its verifier, evidence packs and run locks.

A regulator's questions (what, when, who, with which material, did it work) are answered from the
journal alone, and ``verify`` shows the journal has not been edited since it was written.
"""
