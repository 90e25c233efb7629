"""`netkit why`: may SRC reach DST (on a port), and which policies and rules decide it.

    netkit why --stack dev --src shop-web/web --dst shop-data/db --port TCP/5432
    netkit why manifests/ --src x/a --dst y/b
    netkit why --kubeconfig ~/.kube/config --src shop/web --dst 203.0.113.7 --port TCP/443
    netkit why --stack dev --src billing/probe --dst shop-api/api \\
        --what-if-pod billing/probe:app=probe --what-if-namespace billing:team=payments

The first line is the verdict; then the walk: for the ingress controller the Ingresses
that route to the destination, then the source's egress and the destination's ingress,
each policy that selects the endpoint with the rule that matched (or that none did).
Exit status: 0 allowed, 1 denied, 2 on a mistake (an unknown workload is one line naming
it and the known names close to it).
"""

from __future__ import annotations

import argparse
import ipaddress
import sys

from netkit.connectivity import analyze_all
from netkit.model import IPBlock
from netkit.peer_names import PeerSpec, known_peers, resolve
from netkit.why import answer, render_answer
from netkit_cli import options, queries


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "why",
        help="the verdict on one connection and the policies and rules that decide it",
        description=(
            "Say whether SRC may reach DST (on PROTO/PORT when given) and walk the policies "
            "that decide it. Exit status 0 when allowed, 1 when denied."
        ),
    )
    options.add_paths(parser, "Kubernetes manifests: files or folders (read recursively)")
    options.add_stack(parser, "analyze the stack's model (its program run offline)")
    options.add_cluster(parser)
    options.add_docker(parser)
    parser.add_argument(
        "--src",
        required=True,
        type=queries.peer_name("--src"),
        metavar="NS/NAME",
        help="the source: a workload (ns/name or ns/name[Kind]), an IP address, or a peer "
        "name as connlist prints it ({ingress-controller}, FIRST-LAST[External])",
    )
    parser.add_argument(
        "--dst", required=True, type=queries.peer_name("--dst"), metavar="NS/NAME", help="the destination"
    )
    parser.add_argument(
        "--port",
        type=queries.port_option("--port"),
        metavar="PROTO/PORT",
        help="ask about one port, e.g. TCP/5432 (default: whatever the pair may use)",
    )
    queries.add_what_if(parser)
    options.add_format(parser, ("txt", "json"), "txt")
    parser.set_defaults(handler=run)


def _block(spec: PeerSpec) -> list[IPBlock]:
    if spec.address is None:
        return []
    return [IPBlock(ipaddress.ip_network(spec.address))]


def run(args: argparse.Namespace) -> int:
    source = options.required_source(
        args,
        "nothing to analyze: give manifest files or folders, --stack NAME, --kubeconfig FILE or --docker URL",
    )
    model = queries.apply_what_if(options.LOADER.load(source), args)
    for note in model.notes:
        print(f"netkit: note: {note}", file=sys.stderr)
    reach = analyze_all(model)
    peers = known_peers(reach)
    src = resolve(args.src, peers, "--src")
    dst = resolve(args.dst, peers, "--dst")
    blocks = _block(src) + _block(dst)
    if blocks:
        # An address is its own range: split the outside world at it, so the walk is
        # about exactly that address.
        reach = analyze_all(model, extra_ip_blocks=blocks)
    src_name = src.peer.name if src.peer is not None else f"{src.address}-{src.address}[External]"
    dst_name = dst.peer.name if dst.peer is not None else f"{dst.address}-{dst.address}[External]"
    result = answer(reach.explain(src_name, dst_name), args.port)
    print(render_answer(result, args.format))
    return 0 if result.verdict else 1
