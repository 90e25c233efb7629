"""What the Pulumi engine runs (`python policies <engine address>`): assemble the pack.

`serve` starts the analyzer's gRPC server (pulumi-policy's `PolicyPack`), prints its
port and serves until the engine stops it, so nothing else may import this file.
"""

import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# pulumi-policy announces its port on stdout without flushing; unless stdout is
# unbuffered the engine never reads it and waits forever (PYTHONUNBUFFERED is not
# always set for plugins), so make it unbuffered here.
sys.stdout = io.TextIOWrapper(
    open(sys.stdout.fileno(), "wb", buffering=0),  # noqa: PTH123, SIM115 (lives as long as the process)
    write_through=True,
)

from netkit_policies.startup import defer_unused_pulumi_modules  # noqa: E402 (after the fix above)

defer_unused_pulumi_modules()

from netkit_policies.adapter import StackAnalysis, pack_policies, running_networks  # noqa: E402
from netkit_policies.analyzer import serve  # noqa: E402

# The stack's engines are read for what already runs there (a host that does not answer
# is skipped: the program names it before any resource).
analysis = StackAnalysis(running_networks)
serve("netkit", pack_policies(analysis), analysis)
