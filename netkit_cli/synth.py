"""Offline synthesis: run our Pulumi program under mocks and record every resource.

No engine, no providers, no cloud: the program runs in-process against a recording
mock monitor, fed the configuration of `Pulumi.<stack>.yaml`. Each registration is kept
as the engine would have received it (type token, name, parent URN, inputs), which is
the front door the network model, `netkit check` and many tests build on.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netkit.model import NetworkModel
from netkit.resources import plain_properties
from netkit.spec import parse_stack_config, read_stack_file, stack_file

STACK_ROOT_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class ResourceRecord:
    """One resource registration, as the engine receives it."""

    type: str
    name: str
    urn: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any] = field(default_factory=dict)
    provider: str | None = None
    """The explicit provider reference (`<provider URN>::<id>`), None for the default one."""

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "urn": self.urn,
            "parent": self.parent,
            "custom": self.custom,
            "inputs": self.inputs,
        }


def _build_monitor(records: list[ResourceRecord]) -> Any:
    # Imported here: `netkit` must import without Pulumi installed.
    from pulumi.runtime import mocks, rpc

    class RecordingMocks(mocks.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
            state = dict(args.inputs)
            return f"{args.name}-id", state

        def call(
            self, args: mocks.MockCallArgs
        ) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
            return {}, None

    class RecordingMonitor(mocks.MockMonitor):
        def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
            response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
            _close_worker_loop()
            if request.type != STACK_ROOT_TYPE:
                inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
                records.append(
                    ResourceRecord(
                        type=request.type,
                        name=request.name,
                        urn=response.urn,
                        parent=request.parent or None,
                        custom=bool(request.custom),
                        inputs=plain_properties(inputs),
                        provider=request.provider or None,
                    )
                )
            return response

    return RecordingMocks(), RecordingMonitor


def _close_worker_loop() -> None:
    """Close the event loop Pulumi's mock monitor made for this worker thread.

    The mocks run each registration on an executor thread and give that thread an
    event loop of its own, which nothing closes; collected at interpreter exit, after
    its selector's file descriptor is gone, it prints "Exception ignored ... Invalid
    file descriptor: -1" with a traceback on stderr, after an otherwise clean run. The
    thread is reused by later registrations (and syntheses), so it is also left without
    a loop, and the next registration makes a fresh one.
    """
    import asyncio
    import threading

    if threading.current_thread() is threading.main_thread():
        return
    with contextlib.suppress(RuntimeError):  # none is made for the stack's registration
        asyncio.get_event_loop().close()
    asyncio.set_event_loop(None)


def _config_values(config: dict[str, Any]) -> dict[str, str]:
    """Pulumi holds structured config as JSON text."""
    return {
        key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()
    }


def _run_isolated(func: Callable[[], None]) -> None:
    # The Pulumi runtime keeps its root resource and config in context variables; a
    # fresh context per synthesis lets one process synthesize several stacks.
    contextvars.copy_context().run(func)


def record_resources(
    program: Callable[[], object], stack: str = "test", config: Mapping[str, Any] | None = None
) -> list[ResourceRecord]:
    """Run `program` under recording mocks; every resource it declares, in URN order.

    `config` holds Pulumi config keys (`netkit:docker`) with plain or JSON-text values.
    """
    records: list[ResourceRecord] = []
    values = _config_values(dict(config or {}))

    def run() -> None:
        import pulumi
        from pulumi.runtime import settings

        mocks_impl, monitor_type = _build_monitor(records)
        settings.ROOT.set(None)
        pulumi.runtime.set_mocks(
            mocks_impl,
            project="netkit",
            stack=stack,
            preview=False,
            monitor=monitor_type(mocks_impl),
        )
        pulumi.runtime.set_all_config(values)
        pulumi.runtime.test(program)()  # type: ignore[no-untyped-call]

    _run_isolated(run)
    # Registration order depends on asyncio scheduling; URN order is stable.
    return sorted(records, key=lambda record: record.urn)


def synthesize(stack: str, project_dir: Path | None = None) -> list[ResourceRecord]:
    """Every resource our program declares for `stack`, in URN order.

    The stack file is parsed first, so a bad spec raises `InvalidStackConfig` with its
    key path before anything runs.
    """
    from netkit_components.program import deploy

    path = stack_file(project_dir or Path.cwd(), stack)
    config = read_stack_file(path)  # read once: the check below and the program share it
    parse_stack_config(config, path.name)
    return record_resources(deploy, stack, config)


def model_for_stack(stack: str, project_dir: Path | None = None) -> NetworkModel:
    """The network model of `stack`, from its program run offline."""
    from netkit.resources import model_from_resources

    return model_from_resources(synthesize(stack, project_dir))
