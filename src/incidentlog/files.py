"""Which files an import reads, and reading each one safely.

:func:`walk` lists the Markdown files named or found below named folders, passing over
hidden folders, paths matching ``--exclude`` globs and symlinks that lead back into a folder
already walked, each with a one-line reason. :func:`read_bounded` reads a regular file (or
standard input) refusing devices, FIFOs and folders by their kind, and the size is checked
before a byte is read, then enforced while reading, so no input can make it hold more than
the limit. :func:`to_text` turns bytes into text: UTF-8, a named ``encoding``, or a legacy
encoding it detects (UTF-16 with a byte-order mark, Windows-1252, Latin-1), reported as a
finding rather than refused.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import attrs

from incidentlog.checks import Finding
from incidentlog.errors import InputError
from incidentlog.events import Source

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")


@attrs.frozen
class Passed:
    """A path the walk did not take, and why (one line)."""

    path: str
    reason: str


def walk(paths: Iterable[str | Path], exclude: Sequence[str] = ()) -> Iterator[Path | Passed]:
    """Each Markdown file named, or found below a named folder (sorted, recursively), and
    each path passed over with its reason. A file named on the command line is taken
    whatever its suffix, unless it matches ``exclude``."""
    seen: set[tuple[int, int]] = set()
    for raw in paths:
        path = Path(raw)
        pattern = _excluded(path, path.name, exclude)
        if pattern:
            yield Passed(shown(path), f"excluded by --exclude {pattern}")
        elif path.is_dir():
            yield from _walk_folder(path, path, exclude, seen)
        else:
            yield path


def _excluded(path: Path, relative: str, exclude: Sequence[str]) -> str | None:
    for pattern in exclude:
        pattern_path = pattern.rstrip("/")
        if fnmatch.fnmatch(path.name, pattern_path) or fnmatch.fnmatch(relative, pattern_path) \
                or fnmatch.fnmatch(path.as_posix(), pattern_path):
            return pattern
    return None


def _walk_folder(root: Path, folder: Path, exclude: Sequence[str],
                 seen: set[tuple[int, int]]) -> Iterator[Path | Passed]:
    try:
        info = folder.stat()
    except OSError as exc:
        yield Passed(shown(folder), f"cannot read: {exc.strerror or exc}")
        return
    key = (info.st_dev, info.st_ino)
    if key in seen:
        yield Passed(shown(folder), "a symlink to a folder already walked (a loop); not followed")
        return
    seen.add(key)
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        yield Passed(shown(folder), f"cannot list: {exc.strerror or exc}")
        return
    for entry in entries:
        path = folder / entry.name
        relative = path.relative_to(root).as_posix()
        try:
            is_dir = entry.is_dir()  # follows a symlink: its target is walked once
        except OSError:
            is_dir = False
        markdown = entry.name.lower().endswith(MARKDOWN_SUFFIXES)
        if not is_dir and not markdown:
            continue
        pattern = _excluded(path, relative, exclude)
        if pattern:
            yield Passed(shown(path) + ("/" if is_dir else ""), f"excluded by --exclude {pattern}")
        elif entry.name.startswith("."):
            yield Passed(shown(path) + ("/" if is_dir else ""),
                         "hidden folder" if is_dir else "hidden file")
        elif is_dir:
            yield from _walk_folder(root, path, exclude, seen)
        else:
            yield path


def shown(path: str | Path) -> str:
    """A path as text that can be printed and stored: bytes of a file name that are not
    UTF-8 become U+FFFD (the file is still opened by its real name)."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# --------------------------------------------------------------------------- reading


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"


def _too_big(name: str, size: str, limit: int) -> InputError:
    return InputError(f"{name}: {size} bytes is over the limit of {limit:,} (Limits.max_bytes)")


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; InputError naming the file
    otherwise (a folder, device, FIFO or socket is refused by its kind, unopened)."""
    name = shown(path)
    try:
        info = Path(path).stat()
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{name}: a {_kind(info.st_mode)}, not a regular file; refused")
        if info.st_size > limit:
            raise _too_big(name, f"{info.st_size:,}", limit)
        # Non-blocking: a file swapped for a FIFO since the check cannot hang the open.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as stream:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise InputError(f"{name}: a {_kind(opened.st_mode)}, not a regular file; refused")
        return read_stream(stream, limit, name, opened.st_size)


def read_stream(stream: BinaryIO, limit: int, name: str, size: int | None = None) -> bytes:
    """At most ``limit`` bytes of a stream (standard input); InputError if there is more.

    ``size``: the bytes it is expected to hold (a file's size), so that a small file is
    not read into a buffer of ``limit`` bytes; a file that grew is still read to the limit.
    """
    try:
        want = limit + 1 if size is None else min(size, limit) + 1
        data = stream.read(want)
        if len(data) == want and want <= limit:  # it grew since: the rest, to the limit
            data += stream.read(limit + 1 - want)
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise _too_big(name, f"more than {limit:,}", limit)
    return data


# --------------------------------------------------------------------------- encodings


def to_text(data: bytes, name: str, encoding: str | None = None
            ) -> tuple[str | bytes, Finding | None]:
    """The document as the importer takes it, and a finding if it was not UTF-8.

    ``encoding`` (``--encoding``) is used as given. Otherwise UTF-8 passes through as bytes
    (the importer checks it); bytes that are not UTF-8 are read as UTF-16 when they start
    with its byte-order mark, else as Windows-1252, else Latin-1, and a warning says so. Data
    with a NUL byte (binary) passes through to be refused as binary.
    """
    if encoding is not None:
        try:
            return data.decode(encoding), None
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r} (--encoding)") from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(f"{name}:{line}: not {encoding} (byte 0x{data[exc.start]:02x} at "
                             f"offset {exc.start})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return data, None
        return text, _finding(name, 1, "UTF-16")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if b"\x00" in data:
            return data, None
        line = data[: exc.start].count(b"\n") + 1
        for legacy, label in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
            try:
                return data.decode(legacy), _finding(
                    name, line, label, f" (first non-UTF-8 byte 0x{data[exc.start]:02x})")
            except UnicodeDecodeError:
                continue
    return data, None


def _finding(name: str, line: int, label: str, detail: str = "") -> Finding:
    return Finding("encoding", "warning",
                   f"not UTF-8: read as {label}{detail}; check the text, or pass --encoding",
                   Source(name, line))
