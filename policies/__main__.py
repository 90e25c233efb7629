"""What the Pulumi engine runs (`python policies <engine address>`): assemble the pack.

Constructing `PolicyPack` starts the analyzer's gRPC server, prints its port and serves
until the engine stops it, so nothing else may import this file.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import PolicyPack

from policies.adapter import stack_policies

PolicyPack(name="netkit", policies=stack_policies())
