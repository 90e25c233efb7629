"""A stack's picture as one self-contained HTML page: nothing to fetch to open it.

The page holds the picture (`netkit.picture`) drawn as inline SVG, what each of its nodes
and edges is (JSON), and a small script: filters by Docker host, network and Kubernetes
namespace dim everything else; a click on a node lists every connection it is an end of
with its explanation (and, for a container, the names it resolves); a click on an arrow
explains that connection; hovering shows Graphviz's tooltip. The filter and the selection
live in the address's fragment (`#host=host1&select=n3`), so a view can be linked to.
"""

from __future__ import annotations

import html
import json
import re

from netkit.picture import Picture

__all__ = ["html_page"]

_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #222; }
header { padding: 8px 12px; background: #f3f5f8; border-bottom: 1px solid #ccd; }
header h1 { font-size: 16px; margin: 0 0 6px 0; }
header label { margin-right: 14px; font-size: 13px; }
main { display: flex; height: calc(100vh - 70px); }
#picture { flex: 3; overflow: auto; padding: 8px; }
#picture svg { max-width: 100%; height: auto; }
#panel { flex: 1; min-width: 280px; overflow: auto; padding: 8px 12px; border-left: 1px solid #ccd;
  font-size: 12px; background: #fcfcfd; }
#panel h2 { font-size: 14px; margin: 4px 0; }
#panel li { margin-bottom: 6px; }
#panel .why { color: #555; margin-left: 10px; white-space: pre-wrap; }
.dim { opacity: 0.12; }
.selected polygon, .selected ellipse, .selected path { stroke-width: 3px; }
g.node, g.edge { cursor: pointer; }
"""

_SCRIPT = r"""
(function () {
  const data = JSON.parse(document.getElementById('netkit-data').textContent);
  const filters = { host: '', network: '', namespace: '' };
  let selected = '';
  const options = { host: new Set(), network: new Set(), namespace: new Set() };
  for (const node of Object.values(data.nodes)) {
    if (node.host) options.host.add(node.host);
    for (const n of node.networks || []) options.network.add(n);
    if (node.namespace) options.namespace.add(node.namespace);
  }
  for (const key of Object.keys(options)) {
    const select = document.getElementById('filter-' + key);
    for (const value of Array.from(options[key]).sort()) {
      const option = document.createElement('option');
      option.value = value; option.textContent = value; select.appendChild(option);
    }
    select.addEventListener('change', () => { filters[key] = select.value; update(); });
  }
  function visible(node) {
    if (filters.namespace && node.namespace !== filters.namespace) return false;
    if (filters.host && node.host !== filters.host && !(node.kind === 'network' && !node.host)
        && node.kind !== 'external') return false;
    if (filters.host && node.kind === 'workload') return false;
    if (filters.network && !(node.networks || []).includes(filters.network)) return false;
    return true;
  }
  function element(id) { return document.getElementById(id); }
  function explain(title, rows, names) {
    const panel = element('panel');
    panel.textContent = '';
    const h = document.createElement('h2'); h.textContent = title; panel.appendChild(h);
    const list = document.createElement('ul'); list.id = 'explanations';
    for (const row of rows) {
      const li = document.createElement('li');
      li.textContent = row.src + ' => ' + row.dst + ' : ' + row.conn;
      const why = document.createElement('div'); why.className = 'why';
      why.textContent = row.explanation.join('\n');
      li.appendChild(why); list.appendChild(li);
    }
    panel.appendChild(list);
    if (names && names.length) {
      const n = document.createElement('h2'); n.textContent = 'Names it resolves'; panel.appendChild(n);
      const pre = document.createElement('div'); pre.className = 'why'; pre.id = 'names';
      pre.textContent = names.join('\n'); panel.appendChild(pre);
    }
  }
  function show(id) {
    if (data.nodes[id] && data.nodes[id].kind === 'network') {
      const node = data.nodes[id], quoted = "'" + node.networks[0] + "'";
      const joins = Object.values(data.edges).filter(e => e.kind === 'member' && e.dst === id)
        .map(e => ({ src: data.nodes[e.src].name, dst: node.name, conn: 'member', explanation: [e.conn] }));
      const carried = data.connections.filter(r => r.explanation.some(l => l.includes(quoted)));
      explain(node.name, joins.concat(carried), null);
    } else if (data.nodes[id]) {
      const name = data.nodes[id].name;
      const rows = data.connections.filter(r => r.src === name || r.dst === name);
      explain(name, rows, data.names[id]);
    } else if (data.edges[id]) {
      const edge = data.edges[id];
      const src = data.nodes[edge.src].name, dst = data.nodes[edge.dst].name;
      const rows = edge.kind === 'member'
        ? [{ src: src, dst: dst, conn: edge.conn, explanation: [] }]
        : data.connections.filter(r => r.src === src && r.dst === dst);
      explain(src + ' => ' + dst, rows, null);
    }
  }
  function update() {
    let shown = 0;
    for (const [id, node] of Object.entries(data.nodes)) {
      const g = element(id); if (!g) continue;
      const on = visible(node);
      g.classList.toggle('dim', !on); if (on) shown += 1;
    }
    for (const [id, edge] of Object.entries(data.edges)) {
      const g = element(id); if (!g) continue;
      g.classList.toggle('dim', !(visible(data.nodes[edge.src]) && visible(data.nodes[edge.dst])));
    }
    for (const g of document.querySelectorAll('.selected')) g.classList.remove('selected');
    if (selected && element(selected)) { element(selected).classList.add('selected'); show(selected); }
    element('shown').textContent = shown + ' of ' + Object.keys(data.nodes).length + ' shown';
    const state = Object.entries({ ...filters, select: selected }).filter(e => e[1])
      .map(e => e[0] + '=' + encodeURIComponent(e[1])).join('&');
    history.replaceState(null, '', state ? '#' + state : location.pathname);
  }
  for (const id of Object.keys(data.nodes).concat(Object.keys(data.edges))) {
    const g = element(id); if (!g) continue;
    g.addEventListener('click', () => { selected = id; update(); });
  }
  for (const part of location.hash.replace(/^#/, '').split('&')) {
    const [key, value] = part.split('=');
    if (!value) continue;
    const text = decodeURIComponent(value);
    if (key === 'select') selected = text;
    else if (key in filters) { filters[key] = text; element('filter-' + key).value = text; }
  }
  update();
})();
"""


def _svg_body(svg: str) -> str:
    """The `<svg>` element of Graphviz's output, without its XML prologue and DOCTYPE."""
    start = svg.find("<svg")
    return re.sub(r"<!--.*?-->\n?", "", svg[start:], flags=re.S)


def html_page(picture: Picture, svg: str) -> str:
    """The page: `svg` is `picture.dot()` drawn by Graphviz."""
    data = {
        "nodes": picture.nodes,
        "edges": picture.edges,
        "connections": picture.connections,
        "names": picture.names,
    }
    # `</` cannot end the script element early once escaped.
    payload = json.dumps(data, sort_keys=True).replace("</", "<\\/")
    title = html.escape(picture.title)
    selects = "".join(
        f'<label>{label} <select id="filter-{key}"><option value="">all</option></select></label>'
        for key, label in (
            ("host", "Docker host"),
            ("network", "network"),
            ("namespace", "namespace"),
        )
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{_STYLE}</style></head>\n"
        f'<body><header><h1>{title}</h1>{selects}<span id="shown"></span></header>\n'
        f'<main><div id="picture">{_svg_body(svg)}</div>'
        '<aside id="panel"><h2>Click a host, network, container, workload or arrow</h2>'
        "<p>Containers on one network reach each other on every port (not on a bridge with "
        "ICC off, drawn red); arrows are the other allowed connections.</p></aside></main>\n"
        f'<script type="application/json" id="netkit-data">{payload}</script>\n'
        f"<script>{_SCRIPT}</script>\n"
        "</body></html>"
    )
