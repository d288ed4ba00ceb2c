"""What ingest does to every valid row before it is stored.

In this order, per row:

1. the *raw hash*: a keyed hash of the row as read (see :mod:`sensemaking.privacy.keys`),
   so the same file ingested again is recognised even after the redaction rules changed;
2. with ``privacy.keep_raw_text``, the text, title and free-text answers as read, sealed
   with the project key (stored in a table of their own that nothing else reads);
3. redaction of the text, title and free-text answers (:mod:`sensemaking.privacy.redact`);
4. the storyteller's id replaced by its pseudonym.

Only counts of what was redacted are kept (per import batch), never the values.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sensemaking.config import PrivacySettings
from sensemaking.errors import ConfigError
from sensemaking.ingest.validate import StoryRecord
from sensemaking.privacy.keys import ProjectKey

__all__ = ["Protector", "project_names"]


def project_names(settings: PrivacySettings, folder: Path) -> list[str]:
    """The project's own names to redact: ``privacy.names`` and the ``names_file``'s lines.

    Raises:
        ConfigError: the names file is named but cannot be read.
    """
    names = [n.strip() for n in settings.names if n.strip()]
    if settings.names_file:
        path = folder / settings.names_file
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"privacy.names_file: cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"privacy.names_file: {path} is not UTF-8 text") from None
        names.extend(line.strip() for line in lines if line.strip() and not line.startswith("#"))
    return names


class Protector:
    """Applies the project's privacy rules to one import batch's records.

    Attributes:
        redactions: how many identifiers of each kind were replaced so far.
    """

    def __init__(self, key: ProjectKey, settings: PrivacySettings, folder: Path) -> None:
        from sensemaking.privacy.redact import Redactor

        self.key = key
        self.keep_raw = settings.keep_raw_text
        self.redactor = None
        if settings.redact:
            try:
                self.redactor = Redactor(project_names(settings, folder),
                                         first_names=settings.first_names)  # fmt: skip
            except ValueError as exc:
                raise ConfigError(f"privacy.names / privacy.names_file: {exc}") from None
        self.redactions: Counter[str] = Counter()

    def __call__(self, record: StoryRecord) -> StoryRecord:
        record.raw_hash = self.key.digest(record.payload())
        if self.keep_raw:
            raw = {"text": record.text, "title": record.title, "texts": record.texts}
            record.sealed = self.key.seal(json.dumps(raw, ensure_ascii=False))
        if self.redactor is not None:
            record.text = self._redact(record.text)
            if record.title is not None:
                record.title = self._redact(record.title)
            if record.texts:
                record.texts = {k: self._redact(v) for k, v in record.texts.items()}
        if record.storyteller is not None:
            record.storyteller = self.key.pseudonym(record.storyteller)
        return record

    def _redact(self, text: str) -> str:
        assert self.redactor is not None
        result = self.redactor.redact(text)
        if result.counts:  # most texts have nothing to redact
            self.redactions.update(result.counts)
        return result.text
