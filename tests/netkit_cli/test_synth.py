"""Offline synthesis leaves nothing behind: the event loops Pulumi's mocks make on
worker threads are closed, so none is collected at exit with a traceback on stderr
(measured before: 2 of 60 `netkit check --stack dev` runs printed one)."""

from __future__ import annotations

import asyncio
import gc

from netkit_cli.synth import record_resources


def _open_loops() -> set[int]:
    return {
        id(o)
        for o in gc.get_objects()
        if isinstance(o, asyncio.AbstractEventLoop) and not o.is_closed()
    }


def test_synthesis_closes_the_event_loops_of_its_worker_threads():
    import pulumi
    import pulumi_docker as docker

    def program() -> None:
        for index in range(8):  # several registrations, so several worker threads
            docker.Network(f"n{index}", name=f"n{index}")
        pulumi.export("done", True)

    before = _open_loops()
    records = record_resources(program)
    gc.collect()

    assert [r.name for r in records] == [f"n{index}" for index in range(8)]
    # The main thread's loop stays: the runtime keeps using it for the next synthesis.
    main = id(asyncio.get_event_loop_policy().get_event_loop())
    assert _open_loops() - before - {main} == set()
