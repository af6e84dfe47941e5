"""Private files: the data dir is 0700 and what we keep in it 0600 (learners' conversations, tokens)."""
from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def _tighten(path: Path, mode: int) -> None:
    """chmod to `mode` when we own the path and it is looser (someone else's folder is left alone)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    if st.st_uid == os.geteuid() and st.st_mode & 0o777 != mode:
        os.chmod(path, mode)


def private_dir(path: Path) -> Path:
    """Create the folder (and parents) if needed and make it 0700."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    _tighten(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create an empty file 0600 if it is missing (so nothing else creates it 0644 first), else make it 0600."""
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        _tighten(path, FILE_MODE)
    return path


def secure_data_dir(data_dir: Path) -> None:
    """The data dir 0700 and the files directly in it 0600 (an older install created them 0755/0644)."""
    data_dir = Path(data_dir)
    if not data_dir.exists():
        return
    _tighten(data_dir, DIR_MODE)
    for child in data_dir.iterdir():
        if child.is_file() and not child.is_symlink():
            _tighten(child, FILE_MODE)
