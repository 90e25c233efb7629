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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
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

SERVED_IF_PRESENT = (
    ("v1", "Node", "nodes"),
    ("v1", "ServiceAccount", "serviceaccounts"),
    ("projectcalico.org/v3", "Tier", "tiers"),
    ("projectcalico.org/v3", "GlobalNetworkPolicy", "globalnetworkpolicies"),
    ("projectcalico.org/v3", "NetworkPolicy", "networkpolicies"),
    ("projectcalico.org/v3", "StagedGlobalNetworkPolicy", "stagedglobalnetworkpolicies"),
    ("projectcalico.org/v3", "StagedNetworkPolicy", "stagednetworkpolicies"),
    ("projectcalico.org/v3", "StagedKubernetesNetworkPolicy", "stagedkubernetesnetworkpolicies"),
    ("projectcalico.org/v3", "NetworkSet", "networksets"),
    ("projectcalico.org/v3", "GlobalNetworkSet", "globalnetworksets"),
    ("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy", "adminnetworkpolicies"),
    (
        "policy.networking.k8s.io/v1alpha1",
        "BaselineAdminNetworkPolicy",
        "baselineadminnetworkpolicies",
    ),
    ("policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy", "clusternetworkpolicies"),
)
"""(apiVersion, kind, plural) of what the model also reads when the cluster serves it and
the user may list it: nodes and service accounts (which policies select), the network-policy
API's kinds and Calico's (served by their CRDs or Calico's API server). A kind the server
does not serve has no objects; one the user may not list is named in a note."""

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

    def list_kind(self, kind: str, namespace: str | None = None) -> list[Mapping[str, Any]]:
        """The items of `kind` (a `LISTED` kind) in every namespace, or in `namespace`
        only (for kind Namespace: that namespace itself); raises ClusterUnreachable."""
        ...

    def list_served(self, api_version: str, plural: str) -> list[Mapping[str, Any]] | None:
        """The items of a `SERVED_IF_PRESENT` kind; [] when the server does not serve it,
        None when the user may not list it; raises ClusterUnreachable."""
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


def api_client(kubeconfig: str | None = None, context: str | None = None) -> Any:
    """The official client for a kubeconfig (default: KUBECONFIG, ~/.kube/config) and
    context; raises ClusterUnreachable with one line."""
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

        client = api_client(kubeconfig, context)
        self._client = client
        self._server: str = client.configuration.host
        self._timeout = timeout
        core = k8s.CoreV1Api(client)
        apps = k8s.AppsV1Api(client)
        networking = k8s.NetworkingV1Api(client)
        self._read_namespace: Callable[..., Any] = core.read_namespace
        self._namespaced: dict[str, Callable[..., Any]] = {
            "Deployment": apps.list_namespaced_deployment,
            "ReplicaSet": apps.list_namespaced_replica_set,
            "StatefulSet": apps.list_namespaced_stateful_set,
            "DaemonSet": apps.list_namespaced_daemon_set,
            "Pod": core.list_namespaced_pod,
            "Service": core.list_namespaced_service,
            "NetworkPolicy": networking.list_namespaced_network_policy,
            "Ingress": networking.list_namespaced_ingress,
        }
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

    def list_kind(self, kind: str, namespace: str | None = None) -> list[Mapping[str, Any]]:
        import urllib3.exceptions
        from kubernetes.client.exceptions import ApiException

        # Raw JSON, not the client's models: the manifest reader reads camelCase.
        raw = {"_preload_content": False, "_request_timeout": self._timeout}
        try:
            if namespace is None:
                response = self._listers[kind](**raw)
            elif kind == "Namespace":
                # Read, not listed: a user allowed only in some namespaces may read them.
                return [json.loads(self._read_namespace(namespace, **raw).data)]
            else:
                response = self._namespaced[kind](namespace, **raw)
        except ApiException as error:
            if namespace is not None and kind == "Namespace" and error.status == 404:
                raise ClusterUnreachable(
                    f"{self._server}: there is no namespace {namespace!r}; "
                    "check --namespace (kubectl get namespaces lists them)"
                ) from None
            where = f"namespace {namespace!r}" if namespace else "every namespace"
            raise ClusterUnreachable(
                f"{self._server}: listing {kind}s was refused ({error.status} {error.reason}); "
                f"the kubeconfig's user needs to list them in {where}"
            ) from None
        except urllib3.exceptions.HTTPError as error:
            raise ClusterUnreachable(
                f"{self._server}: no answer ({type(error).__name__}); is the cluster running?"
            ) from None
        items: list[Mapping[str, Any]] = json.loads(response.data)["items"]
        return items

    def list_served(self, api_version: str, plural: str) -> list[Mapping[str, Any]] | None:
        import urllib3.exceptions
        from kubernetes.client.exceptions import ApiException

        path = (
            f"/api/{api_version}/{plural}"
            if "/" not in api_version
            else (f"/apis/{api_version}/{plural}")
        )
        try:
            response = self._client.call_api(
                path,
                "GET",
                header_params={"Accept": "application/json"},
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=self._timeout,
            )
        except ApiException as error:
            if error.status == 404:
                return []  # not served: no such object can exist
            if error.status in (401, 403):
                return None
            raise ClusterUnreachable(
                f"{self._server}: listing {plural} was refused ({error.status} {error.reason})"
            ) from None
        except urllib3.exceptions.HTTPError as error:
            raise ClusterUnreachable(
                f"{self._server}: no answer ({type(error).__name__}); is the cluster running?"
            ) from None
        data = response[0].data if isinstance(response, tuple) else response.data
        items: list[Mapping[str, Any]] = json.loads(data)["items"]
        return items


def connect(kubeconfig: str | None = None, context: str | None = None) -> ClusterApi:
    """The cluster a kubeconfig (default: KUBECONFIG, ~/.kube/config) and context name."""
    return OfficialApi(kubeconfig, context)


def _listed(api: ClusterApi, kind: str, namespaces: Sequence[str]) -> list[Mapping[str, Any]]:
    if not namespaces:
        return api.list_kind(kind)
    return [item for namespace in namespaces for item in api.list_kind(kind, namespace)]


def _in_scope(item: Mapping[str, Any], namespaces: Sequence[str]) -> bool:
    """A cluster-scoped object (a GlobalNetworkPolicy, a node) applies to every namespace;
    a namespaced one is in scope when its namespace is."""
    namespace = (item.get("metadata") or {}).get("namespace")
    return not namespaces or not namespace or namespace in namespaces


def cluster_objects(
    api: ClusterApi, namespaces: Sequence[str] = (), refused: list[str] | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(source, object) for every object the model reads, as the API server serves it,
    with the `apiVersion` and `kind` a list's items leave out, and without finished pods.
    `namespaces`: only the objects of these (as `kubectl -n`), and the cluster-scoped ones
    that apply to them; empty: every namespace. Kinds of `SERVED_IF_PRESENT` the user may
    not list are added to `refused`."""
    scope = sorted(set(namespaces))
    listings: list[tuple[str, str, list[Mapping[str, Any]]]] = [
        (api_version, kind, _listed(api, kind, scope)) for api_version, kind in LISTED
    ]
    for api_version, kind, plural in SERVED_IF_PRESENT:
        served = api.list_served(api_version, plural)
        if served is None:
            if refused is not None:
                refused.append(kind)
            continue
        listings.append((api_version, kind, [i for i in served if _in_scope(i, scope)]))
    for api_version, kind, items in listings:
        for listed in items:
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


def load_cluster(api: ClusterApi, namespaces: Sequence[str] = ()) -> NetworkModel:
    """The network model of a running cluster, or of the objects of `namespaces` in it."""
    refused: list[str] = []
    model = model_from_objects(cluster_objects(api, namespaces, refused))
    return with_refusal_note(model, refused, api.server)


def with_refusal_note(model: NetworkModel, refused: list[str], server: str) -> NetworkModel:
    """`model` with a note naming the kinds the user may not list, if any."""
    if not refused:
        return model
    note = (
        f"{server}: the kubeconfig's user may not list {', '.join(refused)}; they are left "
        "out (policies selecting nodes or service accounts, and policies of those kinds)"
    )
    return replace(model, notes=(*model.notes, note))


def pod_exec(
    kubeconfig: str | None = None, context: str | None = None
) -> Callable[..., tuple[int, str]]:
    """A function running a command in a pod's container through the API server (as
    `kubectl exec`) within a timeout, returning its exit code (-1 when the exec itself
    failed or did not end in time) and what it wrote to stdout by then."""
    from kubernetes import client as k8s
    from kubernetes.stream import stream

    core = k8s.CoreV1Api(api_client(kubeconfig, context))

    def execute(pod: Any, command: list[str], timeout: float) -> tuple[int, str]:
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
            output = str(response.read_stdout())
        finally:
            response.close()
        return (-1 if code is None else int(code)), output

    return execute
