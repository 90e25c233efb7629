#!/usr/bin/env python3
"""Post the review as one pull-request comment, and edit that comment on every later run.

    GITHUB_TOKEN=... scripts/pr-comment.py --repo OWNER/NAME --pr 42 \\
        --details-url "$RUN_URL" comment-dev.md comment-staging.md comment-prod.md

The comment is the sections `preview-summary.py --comment` wrote, one per stack, under a
heading, with a hidden marker (`<!-- netkit-review -->`) on its first line. The script
lists the pull request's comments (every page), and edits the first one that holds the
marker; only when none does, it creates one. So however often the job runs, the pull
request has one netkit comment, showing the last run. A comment longer than GitHub's
limit is cut, with a line pointing at the job summary, which keeps the full text.

It speaks GitHub's REST API (`--api-url`, default `$GITHUB_API_URL`, else
https://api.github.com) with the token in `$GITHUB_TOKEN` (`--token-env` names another
variable). Exit status: 0 when the comment is created or edited (one line says which),
1 when GitHub refuses or cannot be reached, 2 on a usage error; each in one line.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MARKER = "<!-- netkit-review -->"
MAX_BODY = 65_000
"""GitHub refuses a comment body over 65,536 characters; keep a margin for the cut line."""
PER_PAGE = 100
TIMEOUT = 30


class CommentError(Exception):
    """GitHub refused a request or could not be reached: one line for the user."""


class GitHubComments:
    """The issue-comment endpoints of one repository."""

    def __init__(self, api_url: str, repo: str, token: str) -> None:
        self.api_url = api_url.rstrip("/")
        self.repo = repo
        self.token = token

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.api_url}{path}",
            data=data,
            method=method,
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self.token}",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "netkit-pr-comment",
                **({"Content-Type": "application/json"} if data is not None else {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            with contextlib.suppress(ValueError, AttributeError):  # not GitHub's JSON
                detail = json.loads(detail).get("message", detail)
            raise CommentError(f"{method} {path}: GitHub answered {error.code}: {detail}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise CommentError(
                f"{method} {self.api_url}{path}: cannot reach GitHub: {reason}"
            ) from None

    def find(self, pr: int) -> int | None:
        """The id of the pull request's comment holding the marker, or None."""
        page = 1
        while True:
            comments = self._request(
                "GET", f"/repos/{self.repo}/issues/{pr}/comments?per_page={PER_PAGE}&page={page}"
            )
            if not isinstance(comments, list):
                raise CommentError(f"listing the comments of #{pr}: expected a list from GitHub")
            for comment in comments:
                if MARKER in str(comment.get("body", "")):
                    return int(comment["id"])
            if len(comments) < PER_PAGE:
                return None
            page += 1

    def upsert(self, pr: int, body: str) -> tuple[str, int]:
        """Edit the marked comment, or create it: ("edited" | "created", its id)."""
        found = self.find(pr)
        if found is not None:
            self._request("PATCH", f"/repos/{self.repo}/issues/comments/{found}", {"body": body})
            return "edited", found
        created = self._request("POST", f"/repos/{self.repo}/issues/{pr}/comments", {"body": body})
        return "created", int(created["id"])


def compose(sections: Sequence[str], details_url: str = "") -> str:
    """The comment: the marker, a heading, every stack's section, where the rest is."""
    lines = [MARKER, "## netkit review", ""]
    for section in sections:
        lines += [section.rstrip("\n"), ""]
    if not sections:
        lines += ["No stack wrote a section (see the jobs' logs).", ""]
    where = f"[the job summary]({details_url})" if details_url else "the job summary"
    footer = (
        f"_Updated on every run of the preview job. The full text, with tables, is in {where}._"
    )
    body = "\n".join([*lines, footer])
    if len(body) > MAX_BODY:
        cut = f"\n\n… cut at {MAX_BODY} characters: the rest is in {where}.\n"
        body = body[: MAX_BODY - len(cut)] + cut
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="pr-comment.py", description=(__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--repo", required=True, metavar="OWNER/NAME", help="the repository")
    parser.add_argument("--pr", required=True, type=int, metavar="NUMBER", help="the pull request")
    parser.add_argument(
        "--api-url",
        default=os.environ.get("GITHUB_API_URL") or "https://api.github.com",
        metavar="URL",
        help="GitHub's REST API (default: $GITHUB_API_URL, else https://api.github.com)",
    )
    parser.add_argument(
        "--token-env", default="GITHUB_TOKEN", metavar="NAME", help="variable holding the token"
    )
    parser.add_argument("--details-url", default="", metavar="URL", help="the run's summary")
    parser.add_argument("sections", nargs="*", type=Path, metavar="FILE", help="stack sections")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[\w.-]+/[\w.-]+", args.repo):
        print(f"pr-comment: error: --repo {args.repo!r}: write OWNER/NAME", file=sys.stderr)
        return 2
    token = os.environ.get(args.token_env, "")
    if not token:
        print(
            f"pr-comment: error: ${args.token_env} is empty; give the job a token", file=sys.stderr
        )
        return 2
    try:
        sections = [path.read_text(encoding="utf-8") for path in sorted(args.sections)]
    except OSError as error:
        print(f"pr-comment: error: {error.filename}: {error.strerror}", file=sys.stderr)
        return 2
    comments = GitHubComments(args.api_url, args.repo, token)
    try:
        action, number = comments.upsert(args.pr, compose(sections, args.details_url))
    except CommentError as error:
        print(f"pr-comment: error: {error}", file=sys.stderr)
        return 1
    print(f"{action} comment {number} on {args.repo}#{args.pr}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
