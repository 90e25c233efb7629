"""Install CustomResourceDefinitions on a cluster, through the official client.

The local cluster runs no enforcer of the network-policy API's or Calico's kinds, but
with their CRDs installed its API server validates what the components write (schemas,
CEL rules) and serves it back to `netkit probe` and `--kubeconfig`. The repository
carries them in `crds/` (provenance in crds/NOTICE); `policy_crd_files(root)` lists them.

`install_crds(files, kubeconfig=..., context=...)` applies each one server side (field
manager `netkit`, conflicts forced: the files are the source of truth), then waits until
the API server reports every one Established, so objects of those kinds can be created
right after. It is idempotent: an unchanged CRD is a no-op for the API server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from netkit.documents import read_documents
from netkit.errors import NetkitError

FIELD_MANAGER = "netkit"
CRD_FOLDERS = ("network-policy-api", "calico")
"""The folders of crds/ that hold the policy CRDs."""


class CrdInstallError(NetkitError):
    """A CRD file is not one, or the API server refused it or never established it."""


def policy_crd_files(root: Path) -> list[Path]:
    """The CRD files of the repository's `crds/` folder under `root` (the checkout)."""
    files = sorted(p for folder in CRD_FOLDERS for p in (root / "crds" / folder).glob("*.yaml"))
    if not files:
        raise CrdInstallError(f"{root / 'crds'}: no CRD files in {', '.join(CRD_FOLDERS)}")
    return files


def read_crds(files: Sequence[Path]) -> list[Mapping[str, Any]]:
    """The CustomResourceDefinitions of `files`; anything else is refused in one line."""
    crds: list[Mapping[str, Any]] = []
    for path in files:
        for index, document in enumerate(read_documents(path, CrdInstallError), start=1):
            if document is None:
                continue
            if (
                not isinstance(document, Mapping)
                or document.get("apiVersion") != "apiextensions.k8s.io/v1"
                or document.get("kind") != "CustomResourceDefinition"
                or not isinstance(document.get("metadata"), Mapping)
                or not document["metadata"].get("name")
            ):
                raise CrdInstallError(
                    f"{path}, document {index}: not an apiextensions.k8s.io/v1 "
                    "CustomResourceDefinition with a name"
                )
            crds.append(document)
    return crds


Apply = Callable[[str, Mapping[str, Any]], None]
"""Server-side apply of one CRD (name, body); raises CrdInstallError."""
Established = Callable[[str], bool]
"""Whether the API server reports the CRD `name` Established."""


def install_crds(
    files: Sequence[Path],
    *,
    kubeconfig: str | None = None,
    context: str | None = None,
    timeout: float = 60,
    apply: Apply | None = None,
    established: Established | None = None,
) -> list[str]:
    """Apply the CRDs of `files` to the cluster and wait until each is Established.

    `kubeconfig`/`context` name the cluster (default: KUBECONFIG, then ~/.kube/config; the
    current context). `apply` and `established` replace the official client (tests).
    Returns the CRD names, in the files' order.
    """
    crds = read_crds(files)
    if apply is None or established is None:
        client_apply, client_established = _official(kubeconfig, context)
        apply = apply or client_apply
        established = established or client_established
    names = [str(crd["metadata"]["name"]) for crd in crds]
    for name, crd in zip(names, crds, strict=True):
        apply(name, crd)
    deadline = time.monotonic() + timeout
    waiting = list(names)
    while waiting:
        waiting = [name for name in waiting if not established(name)]
        if not waiting:
            break
        if time.monotonic() > deadline:
            raise CrdInstallError(
                f"CRDs not Established after {timeout:.0f} s: {', '.join(waiting)}"
            )
        time.sleep(0.5)
    return names


def _official(kubeconfig: str | None, context: str | None) -> tuple[Apply, Established]:
    from kubernetes import client as k8s
    from kubernetes.client.exceptions import ApiException

    from netkit.live import ClusterUnreachable, api_client

    try:
        client = api_client(kubeconfig, context)
    except ClusterUnreachable as error:
        raise CrdInstallError(str(error)) from None
    api = k8s.ApiextensionsV1Api(client)

    def apply(name: str, body: Mapping[str, Any]) -> None:
        try:
            # Server-side apply (the generated method cannot send this content type): the
            # body goes as JSON, which is YAML, in an apply patch.
            client.call_api(
                "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}",
                "PATCH",
                path_params={"name": name},
                query_params=[("fieldManager", FIELD_MANAGER), ("force", "true")],
                header_params={
                    "Content-Type": "application/apply-patch+yaml",
                    "Accept": "application/json",
                },
                body=json.loads(json.dumps(body)),
                auth_settings=["BearerToken"],
                response_type="object",
                _return_http_data_only=True,
            )
        except ApiException as error:
            raise CrdInstallError(
                f"CRD {name}: the API server refused it ({error.status} {error.reason}): "
                f"{_reason(error)}"
            ) from None

    def established(name: str) -> bool:
        status = api.read_custom_resource_definition(name).status
        return any(
            c.type == "Established" and c.status == "True" for c in (status.conditions or [])
        )

    return apply, established


def _reason(error: Any) -> str:
    try:
        return str(json.loads(error.body).get("message", error.body))
    except (TypeError, ValueError, AttributeError):
        return str(error.body)
