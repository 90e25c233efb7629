"""The cgroup mounts made inside `ip netns exec`, read from the machine's own mount table."""

from __future__ import annotations

from devenv.cgroup import Mount, mounts_to_make

V1 = """\
tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0
cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0
cgroup /sys/fs/cgroup/memory cgroup rw,nosuid,nodev,noexec,relatime,memory 0 0
cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0
proc /proc proc rw 0 0
"""

HYBRID = V1 + "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n"

UNIFIED = """\
cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime,nsdelegate 0 0
"""


def test_v1_hierarchies_come_back_under_a_tmpfs_with_their_controllers_and_no_mount_flags() -> None:
    assert mounts_to_make(V1) == [
        Mount("tmpfs", "/sys/fs/cgroup", "mode=755"),
        Mount("cgroup", "/sys/fs/cgroup/cpu", "cpu"),
        Mount("cgroup", "/sys/fs/cgroup/memory", "memory"),
        Mount("cgroup", "/sys/fs/cgroup/systemd", "name=systemd"),
    ]


def test_a_hybrid_machine_gets_its_v2_tree_beside_the_v1_ones() -> None:
    assert mounts_to_make(HYBRID)[-1] == Mount("cgroup2", "/sys/fs/cgroup/unified")


def test_a_unified_machine_gets_one_cgroup2_mount_at_the_root_and_no_tmpfs() -> None:
    assert mounts_to_make(UNIFIED) == [Mount("cgroup2", "/sys/fs/cgroup")]


def test_mount_commands_name_type_options_source_and_target() -> None:
    assert Mount("cgroup", "/sys/fs/cgroup/cpu", "cpu").argv() == [
        "mount",
        "-t",
        "cgroup",
        "-o",
        "cpu",
        "cgroup",
        "/sys/fs/cgroup/cpu",
    ]
    assert Mount("cgroup2", "/sys/fs/cgroup").argv() == [
        "mount",
        "-t",
        "cgroup2",
        "cgroup2",
        "/sys/fs/cgroup",
    ]
