"""The HTML picture of a stack in a real browser: Debian's chromium, headless.

`netkit connlist --stack NAME --format html` writes the page (the stacks' programs run
offline: no engine, no cluster). Chromium loads it from a file with every network feature
off and a new empty profile, runs its script (`--virtual-time-budget`), and hands back the
DOM (`--dump-dom`) or a screenshot of fixed size. The page keeps its filter and selection
in the address's fragment, so each view is a URL: `#host=local`, `#select=n6`.

Chromium is a Debian package (`apt-get install chromium`).
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import REPO

pytestmark = pytest.mark.e2e

NETKIT = REPO / ".venv" / "bin" / "netkit"
SIZE = (1400, 900)
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--virtual-time-budget=5000",
]  # fmt: skip


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.fail(
            "the browser test needs Debian's chromium: `make system` installs it", pytrace=False
        )
    return found


def browse(tmp: Path, page: Path, *args: str, fragment: str = "") -> str:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    profile.mkdir()
    done = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri() + fragment],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def dev_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    page = tmp_path_factory.mktemp("html") / "dev.html"
    made = subprocess.run(
        [str(NETKIT), "connlist", "--stack", "dev", "--format", "html", "-o", str(page)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return page


def data(page: Path) -> dict[str, Any]:
    text = page.read_text()
    found = re.search(r'id="netkit-data">(.*?)</script>', text, re.S)
    assert found is not None
    loaded: dict[str, Any] = json.loads(found.group(1).replace("<\\/", "</"))
    return loaded


def node_id(page: Path, name: str) -> str:
    return next(i for i, node in data(page)["nodes"].items() if node["name"] == name)


def classes(dom: str) -> dict[str, str]:
    """Node or edge id -> its class attribute, as the script left it."""
    return dict(re.findall(r'<g id="([ne]\d+)" class="([^"]*)"', dom))


def test_the_page_needs_nothing_from_the_network(dev_page):
    text = dev_page.read_text()
    assert "<script src" not in text and "<link" not in text and "@import" not in text
    # The only URLs are the SVG namespaces Graphviz writes.
    assert set(re.findall(r"https?://[^\s\"'<>)]+", text)) <= {
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xlink",
    }


def test_the_browser_draws_both_halves_of_the_dev_stack(dev_page, tmp_path):
    dom = browse(tmp_path, dev_page, "--dump-dom")
    nodes = data(dev_page)["nodes"]
    assert f'id="shown">{len(nodes)} of {len(nodes)} shown<' in dom
    titles = set(re.findall(r"<title>([^<]*)</title>", dom))
    for name in ("local/netkit-dev-web[Container]", "shop-api/api[Deployment]", "local[Host]"):
        assert name in titles, name
    assert "Docker host local" in dom and "namespace shop-web" in dom
    assert all("dim" not in c for c in classes(dom).values())


def test_filtering_by_host_dims_the_kubernetes_half(dev_page, tmp_path):
    dom = browse(tmp_path, dev_page, "--dump-dom", fragment="#host=local")
    seen = classes(dom)
    assert "dim" not in seen[node_id(dev_page, "local/netkit-dev-db[Container]")]
    assert "dim" in seen[node_id(dev_page, "shop-api/api[Deployment]")]
    assert '<option value="local">local</option>' in dom


def test_filtering_by_network_keeps_its_containers_only(dev_page, tmp_path):
    dom = browse(tmp_path, dev_page, "--dump-dom", fragment="#network=netkit-dev-data")
    seen = classes(dom)
    on = {
        data(dev_page)["nodes"][i]["name"]
        for i, c in seen.items()
        if i.startswith("n") and "dim" not in c
    }
    assert on == {
        "local/netkit-dev-api[Container]",
        "local/netkit-dev-db[Container]",
        "network local/netkit-dev-data",
    }


def test_a_click_on_a_container_explains_its_connections_and_names(dev_page, tmp_path):
    web = node_id(dev_page, "local/netkit-dev-web[Container]")
    dom = browse(tmp_path, dev_page, "--dump-dom", fragment=f"#select={web}")
    panel = dom.split('<aside id="panel">', 1)[1].split("</aside>", 1)[0]
    assert "<h2>local/netkit-dev-web[Container]</h2>" in panel
    assert (
        "local/netkit-dev-web[Container] =&gt; local/netkit-dev-api[Container] : All Connections"
        "<div class=\"why\">network: bridge 'netkit-dev-backend' on local (internal): both "
        "attached; local/netkit-dev-web resolves api, netkit-dev-api to it there</div>"
    ) in panel
    assert "local[Host] =&gt; local/netkit-dev-web[Container] : TCP 8080" in panel
    assert "names: api -&gt; local/netkit-dev-api[Container] on netkit-dev-backend" in panel
    assert "selected" in classes(dom)[web]


def test_a_click_on_an_arrow_explains_that_connection(dev_page, tmp_path):
    page = data(dev_page)
    edge = next(
        i
        for i, e in page["edges"].items()
        if page["nodes"][e["src"]]["name"] == "shop-web/web[Deployment]"
        and page["nodes"][e["dst"]]["name"] == "shop-api/api[Deployment]"
    )
    dom = browse(tmp_path, dev_page, "--dump-dom", fragment=f"#select={edge}")
    panel = dom.split('<aside id="panel">', 1)[1]
    assert "shop-web/web[Deployment] =&gt; shop-api/api[Deployment] : TCP 8080" in panel
    assert "egress: TCP 8080 allowed by shop-web/egress-shop-web-web-to-shop-api-api" in panel


def test_a_screenshot_at_a_fixed_size(dev_page, tmp_path):
    shot = tmp_path / "dev.png"
    browse(tmp_path, dev_page, f"--window-size={SIZE[0]},{SIZE[1]}", f"--screenshot={shot}")
    header = shot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", header[16:24]) == SIZE
    assert shot.stat().st_size > 20_000  # a drawn picture, not a blank page


def test_the_lab_picture_has_a_box_per_host_and_the_overlay_between_them(tmp_path):
    page = tmp_path / "lab.html"
    made = subprocess.run(
        [str(NETKIT), "connlist", "--stack", "lab", "--format", "html", "-o", str(page)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    dom = browse(tmp_path, page, "--dump-dom", fragment="#host=host2")
    for host in ("host1", "host2", "host3"):
        assert f"Docker host {host}" in dom
    seen = classes(dom)
    # host2's container and the overlay it joins stay; host1's bridge is dimmed.
    assert "dim" not in seen[node_id(page, "host2/netkit-lab-b[Container]")]
    assert "dim" not in seen[node_id(page, "network netkit-lab-mesh")]
    assert "dim" in seen[node_id(page, "network host1/netkit-lab-a-local")]
