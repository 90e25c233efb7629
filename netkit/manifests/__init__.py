"""Kubernetes manifests → `NetworkModel`.

Two entry points:

- `load_manifests(paths)` reads files and folders (recursively: `.yaml`, `.yml`, `.json`;
  multi-document YAML; `kind: List`, Lists nested in Lists and typed lists such as
  `PodList` whose items may omit `kind`, all as kubectl flattens them: see
  `netkit.manifests.flatten`).
- `model_from_objects(objects)` builds the model from `(source label, object)` pairs. It
  knows nothing about files: our Pulumi front door feeds it pulumi-kubernetes resource
  inputs, which have the same camelCase shape as manifests.

Kinds read: Namespace, Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
ReplicationController, OpenShift DeploymentConfig, Service, Ingress (networking.k8s.io/v1
and extensions/v1beta1), OpenShift Route and NetworkPolicy. Other kinds are counted in
`model.notes`. A pod template's containers, initContainers and ephemeralContainers are
all read (host ports, capabilities); `hostPort: 0` is unset, as Kubernetes treats it.

Workload identity follows netpol-analyzer, whose conformance corpus we match:

- a pod with a controller owner is reported as that owner (`name[ReplicaSet]`,
  `name[DaemonSet]`, ...); an owner reference without a kind as `name[Pod]`; a static pod
  owned by a Node as itself; pods with one owner collapse into one workload;
- a ReplicaSet (or Job) is reported as its own controller (a Deployment, a CronJob) when
  that ownership is known: the ReplicaSet object is loaded with its owner reference, or the
  Deployment is loaded and the ReplicaSet's name is `<deployment>-<pod-template-hash>`.
  Pods owned by a ReplicaSet that is not loaded stay `name-hash[ReplicaSet]`, as in the
  corpus: the name alone does not prove a Deployment exists.

A malformed manifest raises `ManifestError` naming the file, the document (1-based), the
object and the field, e.g. `db.yaml, document 2 (NetworkPolicy default/deny):
spec.ingress[0].ports[1].port: 70000 is not a port (1-65535)`. What the API server would
refuse is refused here too, field by field (docs/reading-input.md lists the rules):
malformed label keys and values, named ports that are not IANA service names, an ipBlock
cidr the API server would refuse or read as another family, an `except` outside or equal
to its cidr, more than two policyTypes, a Service port of the wrong form. An object or
container name of the wrong form is a note instead: the field's tools read such names
(see `FieldReader.identify`).
"""

from __future__ import annotations

from netkit.documents import MANIFEST_SUFFIXES, load_yaml_documents
from netkit.manifests.build import model_from_objects
from netkit.manifests.walk import load_manifests

__all__ = ["MANIFEST_SUFFIXES", "load_manifests", "load_yaml_documents", "model_from_objects"]
