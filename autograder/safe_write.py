"""Write the grader's outputs inside the course root without following symbolic links.

Every folder on the way from the root to the file is opened with ``O_NOFOLLOW`` (created
if missing), and the file is written to a fresh temporary name in that folder and renamed
over the destination: a link planted at the destination or on the way is replaced or
refused, never written through. What fails raises ``OSError`` for the caller to report
against the one submission it concerns.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path, PurePosixPath

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


def write_bytes(root: Path, relative: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``root/relative``; ``relative`` may not leave ``root``."""
    parts = PurePosixPath(Path(relative).as_posix()).parts
    if not parts or any(p in ("", ".", "..") or "/" in p for p in parts) or \
            PurePosixPath(relative).is_absolute():
        raise ValueError(f"not a path inside the course root: {relative!r}")
    Path(root).mkdir(parents=True, exist_ok=True)
    fd = os.open(root, _DIR_FLAGS)
    try:
        for name in parts[:-1]:
            try:
                os.mkdir(name, 0o755, dir_fd=fd)
            except FileExistsError:
                pass
            inner = os.open(name, _DIR_FLAGS, dir_fd=fd)  # a link here raises ELOOP/ENOTDIR
            os.close(fd)
            fd = inner
        temporary = f".{parts[-1][:200]}.{secrets.token_hex(4)}.tmp"
        out = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644,
                      dir_fd=fd)
        try:
            with os.fdopen(out, "wb") as f:
                f.write(data)
            os.replace(temporary, parts[-1], src_dir_fd=fd, dst_dir_fd=fd)
        except BaseException:
            try:
                os.unlink(temporary, dir_fd=fd)
            except OSError:
                pass
            raise
    finally:
        os.close(fd)
    return Path(root, *parts)


def write_text(root: Path, relative: str | Path, text: str) -> Path:
    return write_bytes(root, relative, text.encode("utf-8", "replace"))
