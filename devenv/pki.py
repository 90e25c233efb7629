"""The cluster's own CA and the certificates signed by it (openssl, EC P-256, ten years).

Each file is made once: a certificate already on disk is kept, so a restart keeps the
identities etcd's data and the kubeconfigs refer to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from devenv.log import Log
from devenv.run import run

DAYS = "3650"
NEW_KEY = ["-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
CA_SUBJECT = "/CN=netkit-local-ca"


@dataclass(frozen=True)
class Cert:
    """A key and certificate `NAME.key`/`NAME.crt` for `subject`, signed by the CA."""

    name: str
    subject: str
    sans: tuple[str, ...] = ()
    usage: str = "clientAuth"

    def extensions(self) -> str:
        """The openssl extension file's text."""
        lines = [
            "basicConstraints=CA:FALSE",
            "keyUsage=critical,digitalSignature,keyEncipherment",
            f"extendedKeyUsage={self.usage}",
        ]
        if self.sans:
            lines.append(f"subjectAltName={','.join(self.sans)}")
        return "\n".join(lines) + "\n"


def cluster_certs(api_ip: str, api_service_ip: str, nodes: Sequence[str]) -> list[Cert]:
    """Every certificate the cluster's processes and clients authenticate with."""
    return [
        Cert(
            "apiserver",
            "/CN=kube-apiserver",
            (
                f"IP:{api_ip}",
                "IP:127.0.0.1",
                f"IP:{api_service_ip}",
                "DNS:kubernetes",
                "DNS:kubernetes.default",
                "DNS:kubernetes.default.svc",
            ),
            "serverAuth",
        ),
        Cert("admin", "/O=system:masters/CN=netkit-admin"),
        Cert("apiserver-kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client"),
        Cert("controller-manager", "/CN=system:kube-controller-manager"),
        Cert("scheduler", "/CN=system:kube-scheduler"),
        Cert("kube-proxy", "/CN=system:kube-proxy"),
        # kube-router reads pods, namespaces, nodes and NetworkPolicies cluster-wide.
        Cert("kube-router", "/O=system:masters/CN=kube-router"),
        *(Cert(node, f"/O=system:nodes/CN=system:node:{node}") for node in nodes),
    ]


def openssl(*args: str | Path) -> None:
    run(["openssl", *map(str, args)])


def has(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


@dataclass(frozen=True)
class Pki:
    """The folder holding ca.crt/ca.key, NAME.crt/NAME.key and sa.key/sa.pub."""

    dir: Path

    def ensure(self, log: Log, certs: Sequence[Cert]) -> None:
        """Make the CA, each of `certs` and the service-account key pair, where missing."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o700)
        ca_key, ca_crt = self.dir / "ca.key", self.dir / "ca.crt"
        if not has(ca_crt):
            log.say("making the cluster's CA and certificates")
            new_key: list[str | Path] = [*NEW_KEY, "-nodes", "-keyout", ca_key]
            openssl("req", "-x509", *new_key, "-days", DAYS, "-subj", CA_SUBJECT, "-out", ca_crt)
        for cert in certs:
            self.sign(cert)
        sa_key, sa_pub = self.dir / "sa.key", self.dir / "sa.pub"
        if not has(sa_key):
            openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", sa_key)
            openssl("ec", "-in", sa_key, "-pubout", "-out", sa_pub)

    def sign(self, cert: Cert) -> None:
        key, crt = self.dir / f"{cert.name}.key", self.dir / f"{cert.name}.crt"
        if has(crt):
            return
        ext, csr = self.dir / f"{cert.name}.ext", self.dir / f"{cert.name}.csr"
        ext.write_text(cert.extensions())
        new_key: list[str | Path] = [*NEW_KEY, "-nodes", "-keyout", key]
        openssl("req", *new_key, "-subj", cert.subject, "-out", csr)
        ca: list[str | Path] = [
            "-CA",
            self.dir / "ca.crt",
            "-CAkey",
            self.dir / "ca.key",
            "-CAcreateserial",
        ]
        openssl("x509", "-req", "-in", csr, *ca, "-days", DAYS, "-extfile", ext, "-out", crt)
        csr.unlink(missing_ok=True)
        ext.unlink(missing_ok=True)
