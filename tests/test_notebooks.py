"""Execute every notebook in notebooks/ top to bottom, so that they can never rot.

Each notebook runs in a fresh ``python3`` kernel of this interpreter with notebooks/ as its
working directory, on the embedded data (offline).  The notebooks send their outputs to a
temporary folder themselves; the static checks below make sure they are stored without
outputs and set the output folders before importing ``geo``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = ["01_layers", "02_land_supply", "03_proximity", "04_corridor", "05_osm_refresh", "06_firms"]
#: Per-cell time limit (s): generous, so that a slow machine fails only on a real hang.
CELL_TIMEOUT_S = 300
OUTPUT_DIR_VARIABLES = ("CORRIDOR_BUILD_DIR", "CORRIDOR_MAPS_DIR", "CORRIDOR_OSM_DIR")
IMPORTS_GEO = re.compile(r"^\s*(from geo[\s.]|import geo\b)", re.MULTILINE)


def _kernel_name() -> str:
    """The ``python3`` kernel of this interpreter, with a kernelspec installed in it if missing."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        spec = None
    if spec is None or Path(spec.argv[0]).resolve() != Path(sys.executable).resolve():
        from ipykernel.kernelspec import install

        install(prefix=sys.prefix, kernel_name="python3")
    return "python3"


def test_every_listed_notebook_exists():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_clean(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{path.name} has no code"
    dirty = [i for i, c in enumerate(code) if c.get("outputs") or c.get("execution_count") is not None]
    assert not dirty, f"{path.name}: code cells {dirty} carry outputs; clear them before committing"
    # the output folders must point away from the checkout before geo reads its settings
    first_geo = next(i for i, c in enumerate(code) if IMPORTS_GEO.search(c.source))
    before = "\n".join(c.source for c in code[: first_geo + 1])
    before = before[: before.find("from geo") if "from geo" in before else len(before)]
    for var in OUTPUT_DIR_VARIABLES:
        assert f'os.environ["{var}"]' in before, f"{path.name}: set {var} before importing geo"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=_kernel_name(), timeout=CELL_TIMEOUT_S,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
