from django.apps import AppConfig


class BenchmarksConfig(AppConfig):
    """The benchmark command: a tool, installed by the local and test settings only."""

    name = "benchmarks"
    verbose_name = "Benchmarks"
