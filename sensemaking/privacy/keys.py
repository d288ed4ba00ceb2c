"""The project key: pseudonyms of storytellers, keyed row hashes, the sealed raw texts.

Every project has a secret of its own, kept outside the database: the file ``secret.key``
in the project folder (created with the project, readable by its owner only), or the
environment variable ``SENSEMAKING_SECRET`` (for workers on several machines, or a secret
kept in a vault). From it:

- a storyteller's id in a file becomes ``ps_`` + 32 hex digits of an HMAC-SHA256 of the id,
  so the same child gets the same pseudonym in every round, the raw id is never stored, and
  without the secret nobody can test a guessed id against the database;
- a row's *raw hash* (what the row said before redaction) is an HMAC too, so it cannot be
  used to confirm a guessed text;
- a story kept as read (``privacy.keep_raw_text``) is encrypted with Fernet (AES-128-CBC and
  HMAC-SHA256, from the ``cryptography`` package) under a key derived from the secret.

The database records a fingerprint of the secret; opening a project with another secret is
refused, since new pseudonyms would not match the stored ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from sensemaking.errors import ProjectError

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = [
    "PSEUDONYM", "SECRET_ENV", "SECRET_FILE", "ProjectKey", "attach_key", "create_secret",
    "load_secret",
]  # fmt: skip

#: The secret's file inside the project folder.
SECRET_FILE = "secret.key"
#: An environment variable that overrides the file.
SECRET_ENV = "SENSEMAKING_SECRET"
#: What a stored pseudonym looks like (ids already in this form are kept as they are, so an
#: export ingests back to the same storytellers).
PSEUDONYM = re.compile(r"ps_[0-9a-f]{32}")
_MIN_SECRET = 16


class ProjectKey:
    """Keyed operations with one project's secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < _MIN_SECRET:
            raise ProjectError(f"the project secret must be at least {_MIN_SECRET} bytes")
        self._secret = secret

    def _mac(self, purpose: str, data: str) -> bytes:
        message = purpose.encode() + b"\0" + data.encode("utf-8")
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    @property
    def fingerprint(self) -> str:
        """Identifies the secret without revealing it (stored in the database)."""
        return self._mac("fingerprint", "").hex()[:16]

    def pseudonym(self, storyteller: str) -> str:
        """The stored pseudonym of a storyteller id (case and spacing do not matter).

        An id that is a pseudonym already is returned as it is.
        """
        cleaned = " ".join(storyteller.split())
        if PSEUDONYM.fullmatch(cleaned):
            return cleaned
        return "ps_" + self._mac("storyteller", cleaned.casefold()).hex()[:32]

    def digest(self, payload: str) -> str:
        """A keyed hash of ``payload`` (64 hex digits)."""
        return self._mac("row", payload).hex()

    def _fernet(self) -> object:
        from cryptography.fernet import Fernet

        return Fernet(base64.urlsafe_b64encode(self._mac("vault", "")))

    def seal(self, text: str) -> bytes:
        """``text`` encrypted and authenticated."""
        return self._fernet().encrypt(text.encode("utf-8"))  # type: ignore[attr-defined]

    def unseal(self, sealed: bytes) -> str:
        """The text of :meth:`seal`.

        Raises:
            ProjectError: the data was sealed with another secret or has been altered.
        """
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet().decrypt(sealed).decode("utf-8")  # type: ignore[attr-defined]
        except InvalidToken:
            raise ProjectError("the raw text cannot be opened with this project's key") from None


def create_secret(folder: Path) -> Path:
    """Write a new random secret to ``folder/secret.key`` (owner read/write only)."""
    path = folder / SECRET_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(32) + "\n")
    return path


def load_secret(folder: Path) -> ProjectKey | None:
    """The project's key from ``SENSEMAKING_SECRET`` or ``secret.key``; ``None`` if neither."""
    value = os.environ.get(SECRET_ENV)
    if value is None:
        path = folder / SECRET_FILE
        if not path.is_file():
            return None
        value = path.read_text(encoding="utf-8")
    return ProjectKey(value.strip().encode("utf-8"))


def attach_key(folder: Path, engine: Engine) -> ProjectKey:
    """The project's key, checked against the fingerprint its database holds.

    A project that has none yet (new, or made by an earlier version) gets a new secret file
    unless ``SENSEMAKING_SECRET`` is set, and any storyteller ids stored before pseudonyms
    were keyed are replaced by their pseudonyms.

    Raises:
        ProjectError: the secret is missing, or is not the one the database was made with.
    """
    from sqlalchemy import delete, select, update

    from sensemaking.store.meta import read_meta, write_meta
    from sensemaking.store.models import Story, Storyteller

    key = load_secret(folder)
    with engine.begin() as conn:
        stored = read_meta(conn, "key_fingerprint")
        if stored is not None:
            if key is None:
                raise ProjectError(
                    f"{folder / SECRET_FILE} is missing: the project's storytellers are "
                    f"pseudonymised with its secret; restore the file from a backup or set "
                    f"{SECRET_ENV}"
                )
            if key.fingerprint != stored:
                raise ProjectError(
                    f"the project secret ({SECRET_ENV} or {SECRET_FILE}) is not the one this "
                    "database was made with; new pseudonyms would not match the stored ones"
                )
            return key
        if key is None:
            create_secret(folder)
            key = load_secret(folder)
            assert key is not None
        by_pseudonym: dict[str, int] = {}
        for teller_id, value in conn.execute(select(Storyteller.id, Storyteller.pseudonym)):
            by_pseudonym.setdefault(key.pseudonym(value), teller_id)
        for teller_id, value in list(conn.execute(select(Storyteller.id, Storyteller.pseudonym))):
            target = by_pseudonym[key.pseudonym(value)]
            if target != teller_id:  # two raw spellings of one id: one storyteller
                conn.execute(update(Story).where(Story.storyteller_id == teller_id)
                             .values(storyteller_id=target))  # fmt: skip
                conn.execute(delete(Storyteller).where(Storyteller.id == teller_id))
            elif value != key.pseudonym(value):
                conn.execute(update(Storyteller).where(Storyteller.id == teller_id)
                             .values(pseudonym=key.pseudonym(value)))  # fmt: skip
        write_meta(conn, "key_fingerprint", key.fingerprint)
    return key
