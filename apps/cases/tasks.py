"""Thin task over the daily consistency check; safe to run twice (a second run finds nothing
the first one repaired)."""

from celery import shared_task

from .services import requests_check_consistency


@shared_task
def check_consistency() -> int:
    return len(requests_check_consistency())
