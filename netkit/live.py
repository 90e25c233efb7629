"""A running cluster as a network model: its objects read through the official client.

The objects come back as the API server serves them (JSON, camelCase), which is what the
manifest reader reads from files, so a live cluster, a folder of manifests and a
`kubectl get -o json` dump all go through `netkit.manifests.model_from_objects`. The
reading is split in two: `ClusterApi` lists one kind (the official client in
`connect`, a fake in unit tests) and `cluster_objects` maps what it lists to the reader's
(source, object) pairs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from netkit.documents import read_documents
from netkit.errors import NetkitError
from netkit.manifests import model_from_objects
from netkit.model import NetworkModel

LISTED = (
    ("v1", "Namespace"),
    # The controllers, so that pods are reported as their Deployment (not its ReplicaSet).
    ("apps/v1", "Deployment"),
    ("apps/v1", "ReplicaSet"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("v1", "Pod"),
    ("v1", "Service"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("networking.k8s.io/v1", "Ingress"),
)
"""What the model reads from a cluster, in the order it is listed."""

POD_PHASES = frozenset({"Pending", "Running"})
"""Pods that hold (or will hold) an address; finished ones are left out."""


class ClusterUnreachable(NetkitError):
    """The kubeconfig cannot be loaded or its API server does not answer."""


class ClusterApi(Protocol):
    """Lists the objects of one kind in every namespace, as the API server serves them."""

    @property
    def server(self) -> str:
        """The API server's URL, which names every object's source."""
        ...

    def list_kind(self, kind: str) -> list[Mapping[str, Any]]:
        """The items of `kind` (a `LISTED` kind); raises ClusterUnreachable."""
        ...


def _check_kubeconfig_shape(kubeconfig: str) -> None:
    """Refuse a file that is no kubeconfig before the client reads it.

    The client loads YAML with no limits and assumes a mapping (any other document ends
    in its TypeError); netkit's one reader bounds aliases and nesting, reads regular files
    only, and names the problem in one line.
    """
    documents = [d for d in read_documents(Path(kubeconfig), ClusterUnreachable) if d is not None]
    if len(documents) != 1 or not isinstance(documents[0], dict):
        found = (
            f"{len(documents)} YAML documents"
            if len(documents) != 1
            else f"a {type(documents[0]).__name__}"
        )
        raise ClusterUnreachable(
            f"{kubeconfig}: not a kubeconfig: it holds {found} where one mapping with "
            "clusters, contexts and users is expected; give --kubeconfig FILE"
        )


def _api_client(kubeconfig: str | None, context: str | None) -> Any:
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    if kubeconfig is not None:
        _check_kubeconfig_shape(kubeconfig)
    try:
        return config.new_client_from_config(config_file=kubeconfig, context=context)
    except ConfigException as error:
        where = kubeconfig or "the default kubeconfig (KUBECONFIG, ~/.kube/config)"
        raise ClusterUnreachable(f"{where}: {error}; give --kubeconfig FILE") from None
    except OSError as error:
        raise ClusterUnreachable(f"{kubeconfig}: cannot be read: {error.strerror}") from None


class OfficialApi:
    """`ClusterApi` through the official `kubernetes` client and a kubeconfig."""

    def __init__(
        self, kubeconfig: str | None = None, context: str | None = None, *, timeout: float = 20
    ) -> None:
        from kubernetes import client as k8s

        client = _api_client(kubeconfig, context)
        self._server: str = client.configuration.host
        self._timeout = timeout
        core = k8s.CoreV1Api(client)
        apps = k8s.AppsV1Api(client)
        networking = k8s.NetworkingV1Api(client)
        self._listers: dict[str, Callable[..., Any]] = {
            "Namespace": core.list_namespace,
            "Deployment": apps.list_deployment_for_all_namespaces,
            "ReplicaSet": apps.list_replica_set_for_all_namespaces,
            "StatefulSet": apps.list_stateful_set_for_all_namespaces,
            "DaemonSet": apps.list_daemon_set_for_all_namespaces,
            "Pod": core.list_pod_for_all_namespaces,
            "Service": core.list_service_for_all_namespaces,
            "NetworkPolicy": networking.list_network_policy_for_all_namespaces,
            "Ingress": networking.list_ingress_for_all_namespaces,
        }

    @property
    def server(self) -> str:
        return self._server

    def list_kind(self, kind: str) -> list[Mapping[str, Any]]:
        import urllib3.exceptions
        from kubernetes.client.exceptions import ApiException

        try:
            # Raw JSON, not the client's models: the manifest reader reads camelCase.
            response = self._listers[kind](_preload_content=False, _request_timeout=self._timeout)
        except ApiException as error:
            raise ClusterUnreachable(
                f"{self._server}: listing {kind}s was refused ({error.status} {error.reason}); "
                "the kubeconfig's user needs to list them in every namespace"
            ) from None
        except urllib3.exceptions.HTTPError as error:
            raise ClusterUnreachable(
                f"{self._server}: no answer ({type(error).__name__}); is the cluster running?"
            ) from None
        items: list[Mapping[str, Any]] = json.loads(response.data)["items"]
        return items


def connect(kubeconfig: str | None = None, context: str | None = None) -> ClusterApi:
    """The cluster a kubeconfig (default: KUBECONFIG, ~/.kube/config) and context name."""
    return OfficialApi(kubeconfig, context)


def cluster_objects(api: ClusterApi) -> Iterator[tuple[str, dict[str, Any]]]:
    """(source, object) for every object the model reads, as the API server serves it,
    with the `apiVersion` and `kind` a list's items leave out, and without finished pods."""
    for api_version, kind in LISTED:
        for listed in api.list_kind(kind):
            item = dict(listed)
            if kind == "Pod" and item.get("status", {}).get("phase") not in POD_PHASES:
                continue
            item.setdefault("apiVersion", api_version)
            item.setdefault("kind", kind)
            meta = item.get("metadata", {})
            name = (
                f"{meta.get('namespace')}/{meta.get('name')}"
                if meta.get("namespace")
                else meta.get("name")
            )
            yield f"{api.server}: {kind} {name}", item


def load_cluster(api: ClusterApi) -> NetworkModel:
    """The network model of a running cluster."""
    return model_from_objects(cluster_objects(api))


def pod_exec(kubeconfig: str | None = None, context: str | None = None) -> Callable[..., int]:
    """A function running a command in a pod's container through the API server (as
    `kubectl exec`), returning its exit code (-1 when the exec itself failed)."""
    from kubernetes import client as k8s
    from kubernetes.stream import stream

    core = k8s.CoreV1Api(_api_client(kubeconfig, context))

    def execute(pod: Any, command: list[str], timeout: float) -> int:
        response = stream(
            core.connect_get_namespaced_pod_exec,
            pod.name,
            pod.namespace,
            container=pod.container,
            command=command,
            stderr=True,
            stdin=False,
            stdout=True,
            tty=False,
            _preload_content=False,
        )
        try:
            response.run_forever(timeout=timeout)
            code = response.returncode
        finally:
            response.close()
        return -1 if code is None else int(code)

    return execute
