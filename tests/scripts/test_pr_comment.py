"""`scripts/pr-comment.py` against a small GitHub stand-in on 127.0.0.1.

GitHub cannot be reached from here, so the test serves the few endpoints the script
uses with `http.server` and checks every request it gets: the method, path and query,
the token, the API version and media type, the JSON body. Two runs of the job's script
must create the comment, then edit it in place; the pull request never holds a second
netkit comment, however many other comments it has (the listing spans pages).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "pr-comment.py"
TOKEN = "test-token-not-a-secret"
REPO = "acme/netkit"
PR = 42


class FakeGitHub:
    """The issue-comment endpoints of one pull request, and the requests they got."""

    def __init__(self, other_comments: int) -> None:
        self.comments: list[dict[str, Any]] = [
            {"id": 1000 + n, "body": f"a reviewer's comment {n}", "user": {"login": "someone"}}
            for n in range(other_comments)
        ]
        self.requests: list[tuple[str, str]] = []
        self.problems: list[str] = []
        self.next_id = 5000

    def handle(self, handler: BaseHTTPRequestHandler) -> tuple[int, Any]:
        method, url = handler.command, urlsplit(handler.path)
        self.requests.append((method, url.path))
        headers = handler.headers
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "Bad credentials"}
        if headers.get("Accept") != "application/vnd.github+json":
            self.problems.append(f"{method} {url.path}: Accept {headers.get('Accept')!r}")
        if headers.get("X-GitHub-Api-Version") != "2022-11-28":
            self.problems.append(f"{method} {url.path}: no API version header")
        listing = f"/repos/{REPO}/issues/{PR}/comments"
        if method == "GET" and url.path == listing:
            query = parse_qs(url.query)
            per_page, page = int(query["per_page"][0]), int(query["page"][0])
            return 200, self.comments[(page - 1) * per_page : page * per_page]
        body = self._body(handler)
        if method == "POST" and url.path == listing:
            comment = {"id": self.next_id, "body": body["body"], "user": {"login": "bot"}}
            self.next_id += 1
            self.comments.append(comment)
            return 201, comment
        prefix = f"/repos/{REPO}/issues/comments/"
        if method == "PATCH" and url.path.startswith(prefix):
            number = int(url.path.removeprefix(prefix))
            for comment in self.comments:
                if comment["id"] == number:
                    comment["body"] = body["body"]
                    return 200, comment
            return 404, {"message": "Not Found"}
        self.problems.append(f"unexpected {method} {url.path}")
        return 404, {"message": "Not Found"}

    def _body(self, handler: BaseHTTPRequestHandler) -> dict[str, Any]:
        if handler.headers.get("Content-Type") != "application/json":
            self.problems.append(f"{handler.command} {handler.path}: body is not JSON")
        length = int(handler.headers.get("Content-Length") or 0)
        document: dict[str, Any] = json.loads(handler.rfile.read(length) or b"{}")
        if set(document) != {"body"}:
            self.problems.append(f"{handler.command} {handler.path}: body keys {sorted(document)}")
        return document

    def netkit_comments(self) -> list[dict[str, Any]]:
        return [c for c in self.comments if "<!-- netkit-review -->" in c["body"]]


@pytest.fixture
def github(request: pytest.FixtureRequest) -> Iterator[tuple[FakeGitHub, str]]:
    fake = FakeGitHub(getattr(request, "param", 3))

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            status, document = fake.handle(self)
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = _answer  # noqa: N815 (http.server's names)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def run(api: str, *sections: Path, token: str = TOKEN) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable, str(SCRIPT), "--repo", REPO, "--pr", str(PR), "--api-url", api,
            "--details-url", "https://example.invalid/run/1", *map(str, sections),
        ],
        env={"GITHUB_TOKEN": token, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip


def section(folder: Path, stack: str, text: str) -> Path:
    path = folder / f"comment-{stack}.md"
    path.write_text(f"### Stack `{stack}`\n\n{text}\n")
    return path


@pytest.mark.parametrize("github", [3, 250], indirect=True, ids=["3-comments", "3-pages"])
def test_two_runs_create_the_comment_then_edit_it_and_never_add_a_second(github, tmp_path):
    fake, api = github

    first = run(api, section(tmp_path, "dev", "- **opens** `a` → `b` on TCP 5432"))

    assert first.returncode == 0, first.stderr
    [comment] = fake.netkit_comments()
    assert first.stdout == f"created comment {comment['id']} on {REPO}#{PR}\n"
    assert comment["body"].startswith("<!-- netkit-review -->\n## netkit review\n\n### Stack `dev`")
    assert "on TCP 5432" in comment["body"]
    assert [m for m, _ in fake.requests if m != "GET"] == ["POST"]

    fake.requests.clear()
    second = run(
        api,
        section(tmp_path, "dev", "- **closes** `a` → `b` (was TCP 5432)"),
        section(tmp_path, "staging", "**Reachability**: no change"),
    )

    assert second.returncode == 0, second.stderr
    [edited] = fake.netkit_comments()
    assert edited["id"] == comment["id"]
    assert second.stdout == f"edited comment {comment['id']} on {REPO}#{PR}\n"
    assert "(was TCP 5432)" in edited["body"] and "on TCP 5432" not in edited["body"]
    assert edited["body"].index("### Stack `dev`") < edited["body"].index("### Stack `staging`")
    assert [(m, p) for m, p in fake.requests if m != "GET"] == [
        ("PATCH", f"/repos/{REPO}/issues/comments/{comment['id']}")
    ]
    pages = [p for m, p in fake.requests if m == "GET"]
    assert len(pages) == len(fake.comments) // 100 + 1
    assert fake.problems == []


def test_a_refusal_is_one_line_and_exit_1(github, tmp_path):
    fake, api = github
    result = run(api, section(tmp_path, "dev", "x"), token="wrong")
    assert result.returncode == 1
    assert result.stderr == (
        f"pr-comment: error: GET /repos/{REPO}/issues/{PR}/comments?per_page=100&page=1: "
        "GitHub answered 401: Bad credentials\n"
    )
    assert fake.netkit_comments() == []


def test_an_unreachable_api_and_a_missing_token_are_one_line_each(tmp_path):
    unreachable = run("http://127.0.0.1:9", section(tmp_path, "dev", "x"))
    assert unreachable.returncode == 1
    assert unreachable.stderr.startswith("pr-comment: error: GET http://127.0.0.1:9/repos/")
    assert unreachable.stderr.count("\n") == 1
    no_token = run("http://127.0.0.1:9", token="")
    assert (no_token.returncode, no_token.stderr) == (
        2,
        "pr-comment: error: $GITHUB_TOKEN is empty; give the job a token\n",
    )


def test_a_long_review_is_cut_below_githubs_limit_pointing_at_the_summary(github, tmp_path):
    fake, api = github
    result = run(api, section(tmp_path, "dev", "- a line of review\n" * 5000))
    assert result.returncode == 0, result.stderr
    [comment] = fake.netkit_comments()
    assert len(comment["body"]) <= 65_000
    assert comment["body"].endswith(
        "the rest is in [the job summary](https://example.invalid/run/1).\n"
    )
