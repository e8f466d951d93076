"""Thin task over the dashboard's rollup; safe to run twice (each build replaces the last)."""

from celery import shared_task

from .rollup import dashboard_figures_build


@shared_task
def build_dashboard_figures() -> int:
    return dashboard_figures_build().cases
