"""End-to-end fixtures: the real Pulumi engine and the real Docker engine, no mocks.

The tests run stacks of their own in a temp project with a temp `file://` backend:
`e2e` (Docker names `netkit-e2e-*`, bridges in 10.215.0.0/16, the overlay in
10.216.0.0/16), `e2ekill` (`netkit-e2ekill-*`, 10.217 and 10.218) and `e2ek8s` (10.221 and
10.222, Kubernetes namespaces `e2ek8s-shop-*` on the local cluster), so they never touch
a user's `make up` (`netkit-dev-*`, 10.210 and 10.211, namespaces `shop-*`). Whatever they leave behind, even
after a crash, is removed at the end of the session (and at the start of the next).
"""

from __future__ import annotations

import ipaddress
import subprocess
from collections.abc import Iterator

import pytest

from tests.e2e.harness import (
    Project,
    Stack,
    force_clean,
    missing_prerequisites,
    subnets_in_use,
)

PREFIX = "netkit-e2e"
"""Every Docker name the e2e stacks use starts with it."""
ADDRESS_PLAN = {
    "e2e": (215, 216),
    "e2ekill": (217, 218),
    "e2eattrs": (219, 220),
    "e2ek8s": (221, 222),
    "e2elearn": (227, 228),
}
"""Stack -> second octets of its bridges' and its overlay's 10.x.0.0/16."""


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    problems = missing_prerequisites()
    if problems:
        pytest.fail(
            "the end-to-end tests need the Pulumi toolchain and a Docker engine "
            "(`make e2e` provides both):\n  " + "\n  ".join(problems),
            pytrace=False,
        )
    force_clean(PREFIX)
    planned = [
        ipaddress.ip_network(f"10.{octet}.0.0/16")
        for octets in ADDRESS_PLAN.values()
        for octet in octets
    ]
    taken = [
        f"{subnet} (Docker network {name})"
        for subnet, name in subnets_in_use().items()
        if any(subnet.overlaps(p) for p in planned)
    ]
    if taken:
        pytest.fail(
            f"the e2e stacks use {', '.join(map(str, planned))}, and these overlap them: "
            + ", ".join(taken),
            pytrace=False,
        )
    made = Project.create(tmp_path_factory.mktemp("project"))
    try:
        yield made
    finally:
        force_clean(PREFIX)


@pytest.fixture(scope="session")
def stack(project: Project) -> Stack:
    """The `e2e` stack: Pulumi.dev.yaml, moved out of dev's way."""
    return project.new_stack("e2e", *ADDRESS_PLAN["e2e"])


@pytest.fixture
def kill_stack(project: Project) -> Stack:
    """A second stack like `e2e`, not deployed yet, for the interrupted-update test."""
    return project.new_stack("e2ekill", *ADDRESS_PLAN["e2ekill"])


@pytest.fixture
def idle_stack(project: Project) -> Stack:
    """A stack that is initialised and never deployed."""
    return project.new_stack("e2eattrs", *ADDRESS_PLAN["e2eattrs"])


@pytest.fixture(scope="session")
def deployed(project: Project, stack: Stack) -> subprocess.CompletedProcess[str]:
    """`pulumi up` of the `e2e` stack, as `make up` runs it (with the policy pack)."""
    result = project.up(stack)
    if result.returncode != 0:
        pytest.fail(f"pulumi up --stack {stack.name} failed:\n{result.stdout}", pytrace=False)
    return result
