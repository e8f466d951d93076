"""Thin task over the purge of old one-time keys; safe to run twice."""

from celery import shared_task

from .idempotency import submitted_keys_purge


@shared_task
def purge_submitted_keys() -> int:
    return submitted_keys_purge()
