#!/usr/bin/env bash
# Recover a stack after an interrupted `pulumi up` (killed, machine lost power), without
# losing what was created: what Docker made is imported into the state, not deleted.
#
#   scripts/recover.sh STACK      then run `pulumi up` (make up) again
#
# What a SIGKILLed `pulumi up` leaves with Pulumi 3.274 on a local (file://) backend, and
# likewise on a PostgreSQL one (postgres://, where each file is a row):
#  1. the stack's lock file (.pulumi/locks/organization/<project>/<stack>/*.json), so every
#     later update fails with "the stack is currently locked";
#  2. "pending operations" in the checkpoint: `creating` for every resource whose create
#     had started, with the program's inputs but no ID. The Docker networks and
#     containers among them usually exist already (the daemon finishes a create it was
#     sent), so an `up` that forgets them fails: "network with name ... already exists";
#  3. if only the CLI was killed, its language host and providers, still running (they
#     sit in process groups of their own); a provider may still finish a create;
#  4. on a backend written with metadata sidecars (a plain file:// URL: the Makefile's
#     adds ?metadata=skip), maybe a truncated `<file>.attrs`, which the backend writes in
#     place: every later command then fails with "failed to load checkpoint: EOF"; and
#     the temp file (`<file>.<hex>.tmp`) of a write that never reached its rename.
#
# The steps, in order (each says what it does):
#  1. refuse while an update of STACK still runs, or while orphaned Pulumi plugins run;
#  2. on a file backend, remove half-written sidecars and temp files (a sidecar is
#     optional metadata: the backend reads a missing one as empty; the checkpoint itself
#     is always replaced by a rename, so it is whole);
#  3. remove the stale lock (`pulumi cancel`: it deletes the lock whether or not the
#     update still runs, hence step 1, and the lock's own pid and host are checked
#     first). A file backend keeps the lock as a file; a PostgreSQL one (postgres://) as
#     a row of its table, read here with psql;
#  4. save the state (`pulumi stack export`), then edit it: a pending create of a Docker
#     network or container that exists (found by its name) becomes a resource with that
#     ID; other pending creates are dropped (render-mode Kubernetes manifests are written
#     again by the next `pulumi up`); `pulumi stack import` the result;
#  5. `pulumi refresh` the resources a provider can read (not render-mode manifests, which
#     have no cluster to read from), so the imported ones get their real outputs and
#     other interrupted updates and deletes are resolved.
#
# Why not `pulumi refresh --import-pending-creates URN ID`: in Pulumi 3.274 it only marks
# those operations `importing`, and the refresh's new checkpoint keeps pending `creating`
# operations alone, so the state forgets the resources (the next `up` then fails on the
# names). And `pulumi refresh` of the whole stack fails on render-mode Kubernetes
# resources ("unreachable cluster").
#
# Environment: the Makefile's (local backend in .pulumi-state, the dev passphrase) unless
# PULUMI_BACKEND_URL / PULUMI_CONFIG_PASSPHRASE are set. Runs in the current folder if it
# holds a Pulumi.yaml, else in the repository root.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ $# -ne 1 || $1 == -* ]]; then
    echo "usage: $0 STACK" >&2
    exit 2
fi
stack=$1
[[ -f Pulumi.yaml ]] || cd "$root"

export PULUMI_BACKEND_URL=${PULUMI_BACKEND_URL:-file://$root/.pulumi-state?metadata=skip}
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-netkit-dev-passphrase}
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
PATH="$("$root/scripts/toolchain.sh" --print-bin):$PATH"
pulumi() { command pulumi "$@" --non-interactive --color=never; }
say() { echo "recover: $*" >&2; }
die() {
    say "$*"
    exit 1
}

# --- 1. nothing may still be running --------------------------------------------------
# A Pulumi plugin whose parent is not a `pulumi` process has outlived its engine. The
# plugins of an engine that has just exited shut themselves down within a moment, so
# they get a few seconds before they count as orphans.
orphans() {
    ps -eo pid=,ppid=,args= | while read -r pid ppid exe _; do
        case "${exe##*/}" in
        pulumi-resource-* | pulumi-language-*)
            [[ "$(ps -o comm= -p "$ppid" 2>/dev/null)" == pulumi ]] || echo "$pid"
            ;;
        esac
    done | xargs
}
left=$(orphans)
for _ in $(seq 1 20); do
    [[ -z $left ]] && break
    sleep 0.5
    left=$(orphans)
done
if [[ -n $left ]]; then
    die "Pulumi plugins outlived their engine (pids $left); a provider may still be" \
        "creating resources. Stop them (kill $left) and run this again."
fi

state=
project=$(sed -n 's/^name:[[:space:]]*//p' Pulumi.yaml | head -1)
if [[ $PULUMI_BACKEND_URL == file://* ]]; then
    state=${PULUMI_BACKEND_URL#file://}
    state=${state%%\?*}
fi

# --- 2. half-written files of the killed update ------------------------------------------
# Only this stack's files (and the backend's meta.yaml): another stack's update may be
# writing its own right now.
if [[ -n $state && -d $state/.pulumi ]]; then
    python3 - "$state" "$project" "$stack" <<'EOF'
import json
import re
import sys
from pathlib import Path

state, project, stack = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
root = state / ".pulumi"
mine = [
    *(root / "stacks" / project).glob(f"{stack}.*"),
    *root.glob(f"locks/*/{project}/{stack}/*"),
    *root.glob(f"history/{project}/{stack}/*"),
    root / "meta.yaml.attrs",
]
for path in sorted(mine):
    if not path.is_file():
        continue
    if path.name.endswith(".attrs"):
        try:
            if isinstance(json.loads(path.read_text()), dict):  # a whole one is an object
                continue
        except ValueError:
            pass
        why = "metadata the killed update left half-written"
    elif re.search(r"\.[0-9a-f]+\.tmp$", path.name):
        why = "a write the killed update never finished"
    else:
        continue
    path.unlink()
    print(f"recover: removed {path.relative_to(state)}: {why}", file=sys.stderr)
EOF
fi

# --- 3. the stale lock -------------------------------------------------------------------
# Each lock of STACK as "pid host": files on a file backend, rows of the backend's table
# on a PostgreSQL one (it holds each file as base64 in JSON; psql reads them).
lock_holders() {
    if [[ -n $state ]]; then
        shopt -s nullglob
        local lock
        for lock in "$state"/.pulumi/locks/*/"$project/$stack"/*.json; do
            python3 -c 'import json, sys
lock = json.load(open(sys.argv[1]))
print(lock.get("pid", 0), lock.get("hostname", ""))' "$lock"
        done
        shopt -u nullglob
        return 0
    fi
    command -v psql >/dev/null || die "reading the locks of a PostgreSQL backend needs psql" \
        "(Debian: apt-get install postgresql-client)"
    python3 - "$PULUMI_BACKEND_URL" "$project" "$stack" <<'EOF'
import base64
import json
import re
import subprocess
import sys
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

url, project, stack = sys.argv[1:]
parts = urlsplit(url)
query = parse_qsl(parts.query)
# `table` is Pulumi's own parameter (default pulumi_state); libpq takes the others.
table = dict(query).get("table", "pulumi_state")
if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?", table):
    sys.exit(f"recover: table={table!r} in PULUMI_BACKEND_URL: not a plain table name")
libpq = urlunsplit(parts._replace(query=urlencode([(k, v) for k, v in query if k != "table"])))
# Keys are paths under the URL's path (the database name): <db>/.pulumi/locks/<org>/<project>/<stack>/<id>.json
locks = f"{parts.path.strip('/')}/.pulumi/locks/".lstrip("/")
found = subprocess.run(
    ["psql", libpq, "-X", "-A", "-t", "-F", "\t", "-v", f"locks={locks}"],
    input=f"SELECT key, data->>'data' FROM {table} WHERE starts_with(key, :'locks');\n",
    capture_output=True,
    text=True,
)
if found.returncode != 0:
    sys.exit(f"recover: cannot read the locks from the backend: {found.stderr.strip()}")
for line in found.stdout.splitlines():
    key, _, data = line.partition("\t")
    path = key[len(locks) :].split("/")
    if len(path) == 4 and path[1:3] == [project, stack]:
        lock = json.loads(base64.b64decode(data))
        print(lock.get("pid", 0), lock.get("hostname", ""))
EOF
}

case $PULUMI_BACKEND_URL in
file://* | postgres://*)
    holders=$(lock_holders)
    while read -r pid host; do
        [[ -n $pid ]] || continue
        if [[ $host != "$(hostname)" ]]; then
            die "$stack is locked by pid $pid on $host; this machine cannot tell whether that" \
                "update still runs. Once it does not, run \`pulumi cancel --stack $stack\` and this again."
        fi
        if [[ "$(ps -o comm= -p "$pid" 2>/dev/null)" == pulumi ]]; then
            die "an update of $stack is still running (pid $pid); wait for it, or stop it first"
        fi
        say "stale lock of pid $pid (no longer running): removing it"
    done <<<"$holders"
    if [[ -n $holders ]]; then
        pulumi cancel --stack "$stack" --yes >/dev/null
    fi
    ;;
*)
    say "backend $PULUMI_BACKEND_URL: if an interrupted update still holds the stack," \
        "run \`pulumi cancel --stack $stack\` once you are sure it no longer runs"
    ;;
esac

# --- 4. pending creates: import what exists, drop the rest -------------------------------
saved=$(mktemp -d "${TMPDIR:-/tmp}/netkit-recover-$stack.XXXXXX")
pulumi stack export --stack "$stack" --file "$saved/before.json"

python3 - "$saved/before.json" "$saved/after.json" "$saved/targets" <<'EOF'
import json
import subprocess
import sys

before, after, targets_file = sys.argv[1:]
document = json.load(open(before))
deployment = document["deployment"]
resources = deployment.get("resources") or []
pending = deployment.get("pending_operations") or []
KINDS = {"docker:index/network:Network": "network", "docker:index/container:Container": "container"}


def say(message):
    print(f"recover: {message}", file=sys.stderr)


def docker_ids(kind, name):
    """IDs of the Docker objects named exactly `name` (swarm networks can share a name)."""
    if kind == "network":
        command = ["network", "ls", "--format", "{{.ID}} {{.Name}}"]
    else:
        command = ["container", "ls", "--all", "--format", "{{.ID}} {{.Names}}"]
    out = subprocess.run(
        ["docker", *command, "--no-trunc", "--filter", f"name={name}"],
        capture_output=True, text=True, check=True,
    ).stdout
    return [line.split(" ", 1)[0] for line in out.splitlines() if line.split(" ", 1)[1] == name]


# Kubernetes providers that write manifests to a folder: nothing to read back or import.
render_providers = {
    f"{r['urn']}::{r['id']}"
    for r in resources
    if r["type"] == "pulumi:providers:kubernetes"
    and (r.get("inputs") or {}).get("renderYamlToDirectory")
}

if not pending:
    sys.exit(0)  # nothing to recover: after.json stays absent
kept, imported = [], []
for op in pending:
    res = op["resource"]
    urn, kind = res["urn"], KINDS.get(res["type"])
    if op["type"] != "creating":
        kept.append(op)  # an interrupted update or delete: the refresh below resolves it
        continue
    if kind is None:
        if res.get("provider") not in render_providers:
            say(f"warning: {urn} may exist already; if the next `pulumi up` says so, import it")
        say(f"drop the pending create of {urn} (the next `pulumi up` makes it)")
        continue
    name = res["inputs"]["name"]
    ids = docker_ids(kind, name)
    if len(ids) > 1:
        sys.exit(f"recover: {len(ids)} Docker {kind}s are named {name!r} ({', '.join(ids)}); "
                 f"remove all but one (docker {kind} rm ID) and run this again")
    if not ids:
        say(f"drop the pending create of {urn}: no Docker {kind} is named {name!r}")
        continue
    res["id"] = ids[0]
    res["outputs"] = {**res["inputs"], "id": ids[0]}  # the refresh below reads the real ones
    imported.append(res)
    say(f"import Docker {kind} {name} ({ids[0][:12]}) as {urn}")

# Parents, providers and dependencies before the resources that use them.
present = {r["urn"] for r in resources}
while imported:
    ready = [r for r in imported
             if all(u in present for u in [r.get("parent"), *(r.get("dependencies") or [])] if u)]
    if not ready:
        sys.exit("recover: the pending creates depend on resources the state does not hold; "
                 "see " + before)
    for r in ready:
        resources.append(r)
        present.add(r["urn"])
        imported.remove(r)

deployment["resources"] = resources
deployment["pending_operations"] = kept
json.dump(document, open(after, "w"), indent=1)
readable = [r["urn"] for r in resources
            if r.get("custom") and not r["type"].startswith("pulumi:providers:")
            and r.get("provider") not in render_providers]
open(targets_file, "w").write("".join(f"{urn}\n" for urn in readable))
EOF

if [[ ! -e "$saved/after.json" ]]; then
    rm -rf "$saved"
    say "$stack has no pending operations: nothing to import"
    exit 0
fi
say "state before recovery saved to $saved/before.json"
pulumi stack import --stack "$stack" --file "$saved/after.json" >/dev/null

# --- 5. read back what a provider can read -----------------------------------------------
mapfile -t targets <"$saved/targets"
if [[ ${#targets[@]} -gt 0 ]]; then
    pulumi refresh --stack "$stack" --yes --skip-preview --suppress-progress \
        "${targets[@]/#/--target=}" >"$saved/refresh.log" 2>&1 || {
        cat "$saved/refresh.log" >&2
        die "the refresh failed; the state before recovery is in $saved/before.json"
    }
    say "refreshed: $(sed -n '/^Resources:/,/^$/p' "$saved/refresh.log" | tail -n +2 | xargs)"
fi
say "$stack recovered; now run \`pulumi up --stack $stack\` (make up STACK=$stack)"
