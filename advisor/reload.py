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
        self._versions: OrderedDict[str, _Version] = OrderedDict()
        self._failed: tuple[str, AdvisorError] | None = None
        self.last_error: AdvisorError | None = None
        self._serving = self._compile()

    @property
    def advisor(self) -> Advisor:
        """The version serving now; hold on to it to consult one version twice."""
        return self._serving.advisor

    def consult(
        self, deal: Deal, entries: Sequence[Entry] = (), lang: str | None = None
    ) -> Advice:
        """Advice from the version serving when the call starts; see ``Advisor``."""
        return self._serving.advisor.consult(deal, entries, lang=lang)

    def reload(self) -> ReloadResult:
        """Read the playbook again and serve it if it changed and is valid.

        Never raises for a broken playbook: the error is returned, logged and
        kept in ``last_error``, and the previous version goes on serving.
        """
        with self._lock:
            serving = self._serving
            digest = serving.advisor.plan.digest
            if serving.on_disk():
                return ReloadResult(False, digest)
            known = next((v for v in self._versions.values() if v.on_disk()), None)
            if known is not None:
                return self._serve(known)
            fingerprint = _fingerprint((self.path, *serving.files))
            if self._failed and self._failed[0] == fingerprint:
                return ReloadResult(False, digest, self._failed[1])
            try:
                version = self._compile(serving.files)
            except AdvisorError as error:
                logger.warning("kept playbook %s: the new version failed", digest)
                self._failed = (fingerprint, error)
                self.last_error = error
                return ReloadResult(False, digest, error)
            return self._serve(version)

    def _serve(self, version: _Version) -> ReloadResult:
        changed = version is not self._serving
        self._serving, self._failed, self.last_error = version, None, None
        self._versions.move_to_end(version.advisor.plan.digest)
        if changed:
            logger.info("now serving playbook %s", version.advisor.plan.digest)
        return ReloadResult(changed, version.advisor.plan.digest)

    def _compile(self, previous: tuple[Path, ...] = ()) -> _Version:
        # Bytes read before and after parsing: if a file changed in between,
        # the version is marked stale so the next reload reads it again
        # rather than take the edit for the version just parsed.
        before = {path: _fingerprint((path,)) for path in (self.path, *previous)}
        source = read_playbook(self.path)
        files = tuple(Path(located.file) for located in source.files)
        fingerprint = _fingerprint(files)
        if any(_fingerprint((path,)) != was for path, was in before.items()):
            fingerprint = ""
        kept = self._versions.get(source.digest)
        if kept is not None and kept.files == files:
            kept.fingerprint = fingerprint
            return kept
        version = _Version(Advisor(compile_playbook(source)), files, fingerprint)
        self._versions[source.digest] = version
        while len(self._versions) > _KEPT_VERSIONS:
            self._versions.popitem(last=False)
        return version


class _Version:
    """A compiled version with the files it was read from and their bytes' hash."""

    def __init__(self, advisor: Advisor, files: tuple[Path, ...], fingerprint: str):
        self.advisor = advisor
        self.files = files
        self.fingerprint = fingerprint

    def on_disk(self) -> bool:
        """Whether its files hold exactly the bytes it was read from."""
        return _fingerprint(self.files) == self.fingerprint


def _fingerprint(files: Sequence[Path]) -> str:
    # The bytes of the playbook and every module it includes: the first file
    # decides what is included, so equal bytes mean an equal playbook.
    digest = hashlib.sha256()
    for path in files:
        try:
            digest.update(path.read_bytes())
        except OSError as error:
            digest.update(f"{path}: {error}".encode())
        digest.update(b"\0")
    return digest.hexdigest()
