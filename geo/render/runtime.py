"""The small browser runtime every map carries: overlays, GCJ-02 display shift, labels, search,
legend, layer tree behaviour, attribute table, URL hash, print layout, proximity read-out and
the land-supply explorer.

Kept as plain JavaScript/CSS files beside this module (``static/corridor.js``,
``static/corridor.css``) and inlined into each page, so a map stays a single
self-contained HTML file.  Everything from data reaches the page as JSON (escaped by the
template's ``tojson``) and is put into the DOM with ``textContent`` or as HTML that Python
already escaped, so a place name containing ``<script>`` renders as text.

``window.corridor`` exposes the state the browser tests inspect (``system``, ``features``,
``setSystem``, ``search``, ``visibleLabels``, ``travelTimes``, ``compute`` ...).
"""

from __future__ import annotations

from pathlib import Path

_STATIC = Path(__file__).with_name("static")

#: JavaScript defining ``window.corridor``.  It touches ``L`` only inside functions, so it
#: may load before Leaflet.
RUNTIME_JS = (_STATIC / "corridor.js").read_text(encoding="utf-8")
RUNTIME_CSS = (_STATIC / "corridor.css").read_text(encoding="utf-8")
