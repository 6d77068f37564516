"""Shared command-line options: paths, comma lists and output targets, checked before any work.

In the pattern of rasterio's ``rio/options.py``: each option's value is parsed and checked by
an argparse ``type=`` callable, so a bad value is a usage error (exit code 2, one line, no
traceback) raised before a command reads a byte.  Checks that involve several options (an
output equal to an input, two outputs on one path) are made by :func:`check_outputs` at the
start of a command and raise :class:`~geo.errors.UsageError` (also exit code 2).

Output checks refuse ``/`` and system folders, an existing folder where a file is wanted and
an existing file where a folder is wanted, a read-only location and a nearly full disk.
"""

from __future__ import annotations

import argparse
import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from geo import settings
from geo.errors import OutputPathError, UsageError

# --- values ------------------------------------------------------------------------------------


def positive_int(text: str) -> int:
    """An integer of at least 1 (a band number, a chunk size, a worker count)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be 1 or more")
    return value


def positive_float(text: str) -> float:
    """A finite number greater than 0 (a cell size in metres)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text} must be a positive number")
    return value


def comma_list(choices: Iterable[str] | None = None, *, allow_empty: bool = False) -> Callable[[str], tuple]:
    """``type=`` for ``a,b,c``: a tuple of the names, each among ``choices`` when given."""
    allowed = tuple(choices) if choices is not None else None

    def parse(text: str) -> tuple[str, ...]:
        names = tuple(dict.fromkeys(n.strip() for n in str(text).split(",") if n.strip()))
        if not names and not allow_empty:
            raise argparse.ArgumentTypeError("give at least one name")
        if allowed is not None:
            unknown = [n for n in names if n not in allowed]
            if unknown:
                raise argparse.ArgumentTypeError(
                    f"unknown {', '.join(map(repr, unknown))}; choose from {', '.join(allowed)}")
        return names

    parse.__name__ = "comma list"
    return parse


# --- inputs ----------------------------------------------------------------------------------------


def input_file(text: str) -> Path:
    """An existing, readable file (not a folder)."""
    path = Path(text).expanduser()
    if not path.exists():
        raise argparse.ArgumentTypeError(f"{path} does not exist")
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is a folder; give a file")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"{path} is not readable (permission denied)")
    return path


def input_file_of(*suffixes: str, what: str = "file") -> Callable[[str], Path]:
    """An existing readable file whose name ends with one of ``suffixes``."""
    def parse(text: str) -> Path:
        path = input_file(text)
        name = path.name.lower()
        if not name.endswith(tuple(s.lower() for s in suffixes)):
            raise argparse.ArgumentTypeError(
                f"{path} is not a {what} (expected a name ending {' or '.join(suffixes)})")
        return path

    parse.__name__ = what
    return parse


# --- outputs ---------------------------------------------------------------------------------------


def _protected(path: Path) -> str | None:
    """Why ``path`` must never be an output location, or None."""
    resolved = Path(os.path.abspath(path.expanduser()))
    try:
        resolved = resolved.resolve()
    except OSError:
        pass
    text = str(resolved)
    if text in settings.PROTECTED_DIRS or resolved == Path.home().resolve():
        return f"{text} is a system or home folder"
    for tree in settings.PROTECTED_TREES:
        if text == tree or text.startswith(tree.rstrip("/") + "/"):
            return f"{text} is inside the system folder {tree}"
    return None


def _existing_ancestor(path: Path) -> Path:
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_writable(folder: str | os.PathLike, *, what: str = "--out") -> None:
    """Refuse (with :class:`OutputPathError`) a folder that cannot take new files.

    The folder, or its nearest existing parent when it does not exist yet, must be a
    folder, accept a new file (a probe file is created and removed: this catches a read-only
    file system even for root) and have :data:`geo.settings.MIN_FREE_BYTES` free.
    """
    folder = Path(folder)
    base = _existing_ancestor(folder)
    if not base.is_dir():
        raise OutputPathError(f"{what} {folder}: {base} is a file, not a folder; give a folder path")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".corridor-tmp-{os.getpid()}-probe.", dir=base)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = {errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
                  errno.EPERM: "permission denied", errno.ENOSPC: "no space left on the device",
                  errno.EDQUOT: "disk quota exceeded"}.get(exc.errno, exc.strerror or str(exc))
        raise OutputPathError(f"{what} {folder}: cannot write in {base} ({reason}); "
                              "choose a writable folder") from None
    free = shutil.disk_usage(base).free
    if free < settings.MIN_FREE_BYTES:
        raise OutputPathError(f"{what} {folder}: only {free // 1024} KiB free on the device holding {base}; "
                              "free some space or choose another folder")


def output_dir(text: str) -> Path:
    """``type=`` for an output folder: not a system folder, not an existing file."""
    path = Path(text).expanduser()
    why = _protected(path)
    if why:
        raise argparse.ArgumentTypeError(f"refusing to write into {path}: {why}; give a project folder")
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{path} is an existing file; give a folder")
    return path


def output_file(*suffixes: str) -> Callable[[str], Path]:
    """``type=`` for an output file: not a folder, not in a system folder, with one of ``suffixes``."""
    def parse(text: str) -> Path:
        path = Path(text).expanduser()
        if path.is_dir() or str(text).endswith(("/", os.sep)):
            raise argparse.ArgumentTypeError(f"{path} is a folder; give a file name (for example {path}/out"
                                             f"{suffixes[0] if suffixes else ''})")
        why = _protected(path.parent) or _protected(path)
        if why:
            raise argparse.ArgumentTypeError(f"refusing to write {path}: {why}")
        if suffixes and not path.name.lower().endswith(tuple(s.lower() for s in suffixes)):
            raise argparse.ArgumentTypeError(f"{path}: the file name must end with {' or '.join(suffixes)}")
        return path

    parse.__name__ = "output file"
    return parse


def _same(a: Path, b: Path) -> bool:
    a, b = Path(a), Path(b)
    if a.exists() and b.exists():
        try:
            return os.path.samefile(a, b)
        except OSError:
            return False
    return Path(os.path.abspath(a)).resolve() == Path(os.path.abspath(b)).resolve()


def check_outputs(*, inputs: Mapping[str, Path | None] | None = None, files: Mapping[str, Path | None] | None = None,
                  folders: Mapping[str, Path | None] | None = None) -> None:
    """Check a command's outputs against its inputs and each other, before any work starts.

    Parameters
    ----------
    inputs : mapping of label -> path
        Files the command reads; none may be an output.
    files : mapping of label -> path
        Output files; each must differ from every input and every other output, must not be
        an existing folder, and its folder must be writable.
    folders : mapping of label -> path
        Output folders; each must be writable and must not be an input.

    Raises
    ------
    UsageError
        Naming the options that clash and the path.
    """
    inputs = {k: Path(v) for k, v in (inputs or {}).items() if v is not None}
    files = {k: Path(v) for k, v in (files or {}).items() if v is not None}
    folders = {k: Path(v) for k, v in (folders or {}).items() if v is not None}
    for label, out in files.items():
        for in_label, src in inputs.items():
            if _same(out, src):
                raise UsageError(f"{label} {out} is the input {in_label}; it would be overwritten. "
                                 f"Give {label} another path")
        if out.is_dir():
            raise OutputPathError(f"{label} {out} is an existing folder; give a file name")
    labels = list(files)
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            if _same(files[a], files[b]):
                raise UsageError(f"{a} and {b} are the same file {files[a]}; one would overwrite the other. "
                                 "Give them different paths")
    for label, folder in folders.items():
        for in_label, src in inputs.items():
            if _same(folder, src):
                raise UsageError(f"{label} {folder} is the input {in_label}; give another folder")
        if folder.exists() and not folder.is_dir():
            raise OutputPathError(f"{label} {folder} is an existing file; give a folder")
        check_writable(folder, what=label)
    for label, out in files.items():
        check_writable(out.parent, what=label)


def check_encoding(text: str) -> str:
    """``type=`` for ``--encoding``: a codec Python knows (``gbk``, ``gb18030``, ``utf-8``, ``big5`` ...)."""
    import codecs

    try:
        return codecs.lookup(text).name
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown encoding {text!r}; for Chinese files try gb18030 or gbk") from None


def check_utf8(path: str | os.PathLike, *, what: str = "file") -> None:
    """Refuse a text file that is not UTF-8, naming the line and saying how to convert it.

    GeoJSON must be UTF-8 (RFC 7946); a file saved as GBK on Chinese Windows is the usual case.
    """
    from geo.errors import InputFileError

    path = Path(path)
    if not path.is_file():
        return
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        try:
            data.decode("gb18030")
            guess = "it reads as GBK/GB18030 (Chinese Windows)"
        except UnicodeDecodeError:
            guess = "its encoding is unknown"
        raise InputFileError(
            f"line {line} is not UTF-8 (byte 0x{data[exc.start]:02x}); {guess}. A {what} must be UTF-8: convert "
            f"it with `iconv -f GB18030 -t UTF-8 {path.name} > {path.stem}.utf8{path.suffix}` and replace the "
            "file, or re-save it as UTF-8 in your editor", path=path) from None


def usage(message: str) -> UsageError:
    """A usage error for a command to raise (exit code 2)."""
    return UsageError(message)
