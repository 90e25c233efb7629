"""Settings for the whole test suite."""

from hypothesis import settings

# Property tests judge correctness, not speed: speed targets live in `make bench`. Without
# this, hypothesis fails any example slower than 200 ms, which a loaded CI runner can cause.
settings.register_profile("netkit", deadline=None)
settings.load_profile("netkit")
