"""An advisor that picks up a changed playbook while it keeps serving.

A long-running tool (a chat bot, a CRM plug-in, a web service) embeds one
``ReloadingAdvisor`` and calls ``reload()`` on a timer or a signal. A new
version is read, validated and compiled before it replaces the old one, and
the swap is a single reference assignment: a consultation already running
finishes on the version it started with. A broken file leaves the old version
serving and the error is reported. Reloading an unchanged file reads a few
bytes and compiles nothing; compiled versions are kept by content digest, so
going back to an earlier version reuses it, and the engine (which can never
free a ruleset) registers each distinct content once.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import resources
from .advice import Advice
from .compiler import compile_playbook
from .consult import Advisor
from .deal import Deal
from .entries import Entry
from .errors import AdvisorError
from .playbook import read_playbook

logger = logging.getLogger(__name__)

#: Compiled versions kept for going back and forth; the engine keeps its own.
_KEPT_VERSIONS = 8


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did: ``changed`` when a new version now serves.

    ``error`` holds the reason a new version was refused; the previous
    version (``digest``) is then still serving.
    """

    changed: bool
    digest: str
    error: AdvisorError | None = None


class ReloadingAdvisor:
    """A playbook file, compiled and consulted, that can be reloaded safely.

    Safe to share between threads: ``consult`` may run in many threads while
    another calls ``reload``. Raises ``PlaybookError`` at construction if the
    first version is broken, since there is nothing else to serve.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else resources.default_playbook()
        self._lock = threading.Lock()
        self._versions: OrderedDict[str, Advisor] = OrderedDict()
        self._files: tuple[Path, ...] = (self.path,)
        self._fingerprint = ""
        self._failed: tuple[str, AdvisorError] | None = None
        self.last_error: AdvisorError | None = None
        self._current = self._compile()
        self._fingerprint = self._fingerprint_now()

    @property
    def advisor(self) -> Advisor:
        """The version serving now; hold on to it to consult one version twice."""
        return self._current

    def consult(
        self, deal: Deal, entries: Sequence[Entry] = (), lang: str | None = None
    ) -> Advice:
        """Advice from the version serving when the call starts; see ``Advisor``."""
        return self._current.consult(deal, entries, lang=lang)

    def reload(self) -> ReloadResult:
        """Read the playbook again and serve it if it changed and is valid.

        Never raises for a broken playbook: the error is returned, logged and
        kept in ``last_error``, and the previous version goes on serving.
        """
        with self._lock:
            fingerprint = self._fingerprint_now()
            digest = self._current.plan.digest
            if fingerprint == self._fingerprint:
                return ReloadResult(False, digest)
            if self._failed and self._failed[0] == fingerprint:
                return ReloadResult(False, digest, self._failed[1])
            files = self._files
            try:
                advisor = self._compile()
            except AdvisorError as error:
                logger.warning("kept playbook %s: the new version failed", digest)
                self._failed = (fingerprint, error)
                self.last_error = error
                return ReloadResult(False, digest, error)
            if self._files != files:
                fingerprint = self._fingerprint_now()
            self._fingerprint, self._failed, self.last_error = fingerprint, None, None
            changed = advisor is not self._current
            self._current = advisor
            if changed:
                logger.info("now serving playbook %s", advisor.plan.digest)
            return ReloadResult(changed, advisor.plan.digest)

    def _compile(self) -> Advisor:
        source = read_playbook(self.path)
        self._files = tuple(Path(located.file) for located in source.files)
        kept = self._versions.get(source.digest)
        if kept is not None:
            self._versions.move_to_end(source.digest)
            return kept
        advisor = Advisor(compile_playbook(source))
        self._versions[source.digest] = advisor
        while len(self._versions) > _KEPT_VERSIONS:
            self._versions.popitem(last=False)
        return advisor

    def _fingerprint_now(self) -> str:
        # The bytes of every file the serving version was read from: any
        # edit, to the playbook or to a module it includes, changes them.
        digest = hashlib.sha256()
        for path in (self.path, *self._files):
            try:
                digest.update(path.read_bytes())
            except OSError as error:
                digest.update(f"{path}: {error}".encode())
        return digest.hexdigest()
