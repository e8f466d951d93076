"""Real Celery workers and Redis servers for the tests whose behaviour depends on them."""

import os
import shutil
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from config import celery_app

ROOT = Path(settings.BASE_DIR)


def wait_until(condition, *, timeout: float = 60, what: str = "condition"):
    """Poll ``condition`` (an external process's effect) until it holds or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.1)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}")


def test_database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


@contextmanager
def celery_worker(*, broker_url: str, log_dir: Path, env: dict | None = None):
    """A worker process on ``broker_url`` using the test database; killed on exit."""
    name = f"test-{uuid.uuid4().hex[:8]}@localhost"
    log = log_dir / f"{name}.log"
    # Without PYTEST_XDIST_WORKER: the worker takes REDIS_URL as given (config/settings/test.py).
    inherited = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    environment = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **(env or {}),
    }
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own worker command
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-n",
                name,
            ],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: "ready." in log.read_text(), what=f"worker {name} to start")
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


@contextmanager
def publishing_to(broker_url: str):
    """Make this test process send tasks to ``broker_url`` instead of running them in-process."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    conf.update(task_always_eager=False, broker_url=broker_url)
    celery_app._after_fork()  # forget pooled connections to another broker
    try:
        yield
    finally:
        conf.update(task_always_eager=saved[0], broker_url=saved[1])
        celery_app._after_fork()


class RedisServer:
    """A private redis-server on its own port, which a test may stop and start again."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None

    def _answers(self) -> bool:
        import redis

        try:
            return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1).ping()
        except redis.exceptions.ConnectionError:
            return False

    def start(self):
        self.process = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server") or "/usr/bin/redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=20, what="redis-server to start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        wait_until(lambda: not self._answers(), timeout=20, what="redis-server to stop")


def tasks_done(task_name: str) -> int:
    """How many ``task_name`` tasks the running workers have finished (remote control)."""
    stats = celery_app.control.inspect(timeout=1).stats() or {}
    return sum(worker.get("total", {}).get(task_name, 0) for worker in stats.values())


def mails_in(directory: Path) -> list[str]:
    """The messages the file-based e-mail backend wrote, one string per message."""
    texts = [path.read_text() for path in sorted(directory.glob("*.log"))]
    return [m for text in texts for m in text.split("-" * 79) if "Message-ID:" in m]
