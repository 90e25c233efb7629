"""What the engine runs for the installed pack (`python <this folder> <engine>`): the
package's own `__main__`, which serves the pack."""

import runpy

runpy.run_module("netkit_policies", run_name="__main__", alter_sys=True)
