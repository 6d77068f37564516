"""Deterministic element ids in the HTML maps, so that two builds of the same inputs can be diffed.

branca (folium's base) names every map element ``<kind>_<32 random hex digits>``
(``os.urandom``) and folium gives some elements ``uuid4`` ids; both change on every run.
:func:`seed_element_ids` replaces them with ids drawn from a generator seeded by a name
(the map's), so the same map built twice gives byte-identical HTML.
"""

from __future__ import annotations

import hashlib
import random


def seed_element_ids(seed: str) -> None:
    """Make every branca/folium element id created from now on a function of ``seed`` and its order.

    Called by the map builder before it creates a map's first element.
    """
    import branca.element
    import folium.utilities

    rng = random.Random(int.from_bytes(hashlib.sha256(seed.encode("utf-8")).digest()[:8], "big"))

    def next_id(cls=None) -> str:
        return f"{rng.getrandbits(128):032x}"

    branca.element.Element._generate_id = classmethod(next_id)
    if hasattr(folium.utilities, "uuid"):
        folium.utilities.uuid = _SeededUUID(next_id)


class _SeededUUID:
    """Stands in for the ``uuid`` module inside :mod:`folium.utilities` (only ``uuid4().hex`` is used)."""

    def __init__(self, next_id):
        self._next = next_id

    def uuid4(self):
        import uuid

        return uuid.UUID(hex=self._next())

    def __getattr__(self, name):
        import uuid

        return getattr(uuid, name)
