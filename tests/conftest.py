"""Shared fixtures: the real layers, built once per session into a temporary folder."""

from __future__ import annotations

import pytest

from geo import settings


@pytest.fixture(scope="session")
def built_layers_dir(tmp_path_factory):
    """Build every layer from the committed sources into a temporary build folder."""
    from geo.layers import build_layers

    out = tmp_path_factory.mktemp("build")
    build_layers(out_dir=out, progress=False)
    return out


@pytest.fixture(scope="session")
def real_layers(built_layers_dir):
    """Every built layer as a GeoDataFrame (WGS-84), keyed by layer name."""
    from geo.layers import layer_names, read_built_layer

    return {name: read_built_layer(name, build_dir=built_layers_dir) for name in layer_names()}


@pytest.fixture(scope="session")
def documents():
    import yaml

    return yaml.safe_load(settings.documents_file().read_text(encoding="utf-8"))
