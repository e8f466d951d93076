"""Rows that change rarely and that many pages show (the categories, the exchange rates, the
portal settings), kept in Django's cache between requests: Redis where ``REDIS_URL`` is set,
shared by every process; else each process's own memory.

- Only reads outside a transaction use the cache. A read inside one (every service that
  changes data takes one, and so does every test) reads the database: a business rule never
  decides on a cached row, and a transaction never caches what it has not committed.
- A change to one of these tables gives its name a new generation (a random token) once the
  change commits (``watch`` connects the model's saves and deletions). Readers look the
  generation up first, so a value read before a change is never served after it, even when
  that read finishes after the change.
- If the cache cannot be reached (Redis restarting), rows are read from the database, and a
  cached value lives at most ``TIMEOUT`` seconds, in case a new generation could not be
  written then.
"""

import hashlib
import logging
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_migrate, post_save

logger = logging.getLogger(__name__)

PREFIX = "portal:reference"
TIMEOUT = 300
# A generation expires a day after it was drawn: a new one is then drawn, and nothing is
# served from before it (so no generation key is kept forever); it costs one read of the
# rows a day.
GENERATION_TIMEOUT = 86_400
T = TypeVar("T")


NAMES: set[str] = set()  # every name ``watch`` was given


def _prefix(name: str) -> str:
    # Per database: a test run and the portal, or two deployments, may share one Redis.
    database = connection.settings_dict
    return f"{PREFIX}:{database['NAME']}@{database['HOST']}:{database['PORT']}:{name}"


def _generation_key(name: str) -> str:
    return f"{_prefix(name)}:generation"


def _data_key(name: str, part: str) -> str:
    key = _generation_key(name)
    generation = cache.get(key)
    if generation is None:
        cache.add(key, uuid.uuid4().hex, GENERATION_TIMEOUT)
        generation = cache.get(key)
    # The part hashed: a key stays short, whatever the part (e.g. every currency of a day).
    return f"{_prefix(name)}:{generation}:{hashlib.sha256(part.encode()).hexdigest()[:32]}"


def cached(name: str, load: Callable[[], T], *, part: str = "") -> T:
    """``load()``, from the cache when it holds the current generation of ``name`` (``part``
    tells apart several values of one name, e.g. the rates of different days)."""
    if connection.in_atomic_block:
        return load()
    try:
        key = _data_key(name, part)
        value = cache.get(key)
    except Exception:
        logger.warning("The cache could not be read; reading %s from the database.", name)
        return load()
    if value is None:
        value = load()
        try:
            cache.set(key, value, TIMEOUT)
        except Exception:
            logger.warning("The cache could not be written; %s not cached.", name)
    return value


def new_generation(name: str) -> None:
    """Readers of ``name`` read it again from now on (``forget`` waits for the commit)."""
    try:
        cache.set(_generation_key(name), uuid.uuid4().hex, GENERATION_TIMEOUT)
    except Exception:
        logger.warning("The cache could not be reached to forget %s.", name)


def forget(name: str) -> None:
    """The rows of ``name`` changed: once the change commits, readers read them again."""
    # robust: a failing callback registered before this one must not keep it from running.
    transaction.on_commit(lambda: new_generation(name), robust=True)


def watch(model, name: str) -> None:
    """Forget ``name`` whenever a row of ``model`` is saved or deleted, and after migrations."""

    def changed(sender, **kwargs):
        forget(name)

    NAMES.add(name)
    uid = f"{PREFIX}:{name}:{model._meta.label_lower}"
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:save")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:delete")
    # Migrations may change rows without saving models.
    post_migrate.connect(
        lambda **_kwargs: forget(name), weak=False, dispatch_uid=f"{PREFIX}:{name}:migrate"
    )


def watch_links(through, name: str) -> None:
    """Forget ``name`` whenever links of a many-to-many relation (``through``) are added,
    removed or cleared (they send no save)."""
    from django.db.models.signals import m2m_changed

    NAMES.add(name)
    m2m_changed.connect(
        lambda **_kwargs: forget(name),
        sender=through,
        weak=False,
        dispatch_uid=f"{PREFIX}:{name}:{through._meta.label_lower}",
    )


def forget_all() -> None:
    """Forget every watched name (e.g. after rows were written in bulk, which sends no
    signal)."""
    for name in NAMES:
        forget(name)
