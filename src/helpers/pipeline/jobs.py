"""Fan-out of report runs: jobs on any ``concurrent.futures.Executor``, stale detection, a run lock,
atomic replacement of an output folder, a ``latest`` pointer and a log file per run.

The weekly run (:func:`helpers.pipeline.weekly.run_weekly`) is built from these pieces:

- :class:`Job` / :func:`run_job`: one notebook render (picklable and carrying its template's
  py:percent source, so a ``ProcessPoolExecutor`` or a Dask ``Client.get_executor()`` worker
  that has only the package installed can run it; on a cluster the store and the output folder
  must be on a shared filesystem the workers see at the same path);
- :func:`make_executor`: the executor of ``--jobs N`` or ``--executor dask://HOST:PORT``;
- :func:`run_jobs`: submit jobs to an executor; a job that raises becomes a failed result and never
  stops the others;
- staleness (whether an existing report must be rendered again) is
  :mod:`helpers.pipeline.staleness`;
- :class:`RunLock`: an ``flock`` on a lock file, so two runs cannot collide (a crashed run's lock
  is released by the kernel, never left behind);
- :func:`swap_dir`: put a finished staging folder in place of the previous run in one
  ``renameat2(RENAME_EXCHANGE)`` (two renames where the kernel lacks it);
- :func:`point_latest`: an atomically replaced relative symlink ``latest -> <week>``;
- :func:`run_log`: a log file per run.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import logging
import multiprocessing
import os
import shutil
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from helpers.pipeline.export import EMBED
from helpers.pipeline.render import render

log = logging.getLogger(__name__)


class LockBusy(RuntimeError):
    """Another run holds the lock."""


# --------------------------------------------------------------------------- jobs and executors


@dataclass(frozen=True)
class Job:
    """One notebook render: report ``kind`` for ``target`` with ``params`` into ``out_dir``."""

    kind: str
    target: str
    params: dict[str, Any]
    out_dir: str
    lang: str = "zh"
    timeout_s: int = 1800
    plotlyjs: str = EMBED
    template_text: str = ""


@dataclass
class JobResult:
    """What a job produced; ``reused`` when a fresh earlier render was kept instead. The weekly run
    adds the report's ``fingerprint`` and its input files' digests (``inputs``) for the next run."""

    kind: str
    target: str
    ok: bool
    out_dir: str
    seconds: float = 0.0
    error: str | None = None
    reused: bool = False
    reason: str = ""
    fingerprint: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, list[Any]] = field(default_factory=dict)
    worker: str = ""  # host:pid that rendered it

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def run_job(job: Job) -> JobResult:
    """Render one job (top-level so it pickles to worker processes); never raises."""
    started = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        result = render(
            job.kind,
            job.params,
            job.out_dir,
            lang=job.lang,
            subtitle=job.target,
            timeout_s=job.timeout_s,
            plotlyjs=job.plotlyjs,
            template_text=job.template_text,
        )
    except Exception as exc:  # a broken template or a missing kernel: still a result
        return JobResult(
            job.kind,
            job.target,
            False,
            job.out_dir,
            time.perf_counter() - started,
            f"{type(exc).__name__}: {exc}",
            worker=worker,
        )
    return JobResult(
        job.kind,
        job.target,
        result.ok,
        job.out_dir,
        round(result.seconds, 2),
        result.error,
        worker=worker,
    )


class SerialExecutor(Executor):
    """Runs each job at submit time in this process (``--jobs 1``: no worker start-up cost)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


DASK = "dask://"


def make_executor(jobs: int, address: str = "") -> tuple[Executor, Callable[[], None]]:
    """The executor for ``--jobs N`` (serial for 1, else a spawn-based process pool of N) or, for
    ``address`` ``dask://HOST:PORT``, a Dask distributed cluster's (``Client(addr).get_executor()``,
    optional extra ``[dask]``); with the function that releases it."""
    if address:
        if not address.startswith(DASK):
            raise ValueError(f"executor must look like dask://HOST:PORT, not {address!r}")
        try:
            from distributed import Client
        except ImportError:
            raise ValueError(
                "--executor dask://… needs the dask extra: "
                "pip install 'livecommerce-review-workbook[dask]'"
            ) from None
        client = Client("tcp://" + address.removeprefix(DASK))
        dask_pool = client.get_executor(pure=False)

        def release() -> None:
            dask_pool.shutdown(wait=True)
            client.close()

        return dask_pool, release
    pool: Executor
    if jobs <= 1:
        pool = SerialExecutor()
    else:
        pool = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("spawn")
        )
    return pool, lambda: pool.shutdown(wait=True)


def run_jobs(
    jobs: Iterable[Job],
    executor: Executor,
    fn: Callable[[Job], JobResult] = run_job,
) -> list[JobResult]:
    """Run ``jobs`` on ``executor``; results in submission order. A job whose future raises (a
    worker died, a pickling error) becomes a failed result; the other jobs go on."""
    jobs = list(jobs)
    futures = {executor.submit(fn, job): i for i, job in enumerate(jobs)}
    results: list[JobResult | None] = [None] * len(jobs)
    for future in as_completed(futures):
        i = futures[future]
        job = jobs[i]
        try:
            res = future.result()
        except Exception as exc:
            res = JobResult(
                job.kind, job.target, False, job.out_dir, 0.0, f"{type(exc).__name__}: {exc}"
            )
        level = logging.INFO if res.ok else logging.ERROR
        log.log(
            level,
            "%s %s: %s (%.1fs)",
            job.kind,
            job.target,
            "ok" if res.ok else res.error,
            res.seconds,
        )
        results[i] = res
    return [r for r in results if r is not None]


# --------------------------------------------------------------------------- reuse


def copy_tree(src: Path, dst: Path) -> None:
    """Copy a finished report folder, hard-linking files (cheap, keeps their mtimes)."""

    def link(s: str, d: str) -> None:
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    shutil.copytree(src, dst, copy_function=link, dirs_exist_ok=True)


# --------------------------------------------------------------------------- lock


@dataclass
class RunLock:
    """An exclusive, non-blocking ``flock`` on ``path``; the file records who holds it.

    >>> with RunLock(Path("reports/weekly/.lock")):  # doctest: +SKIP
    ...     ...
    """

    path: Path
    _fd: int | None = field(default=None, repr=False)

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
            os.close(fd)
            raise LockBusy(
                f"another run holds {self.path} ({holder or 'unknown holder'})"
            ) from None
        since = f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}"
        info = f"pid={os.getpid()} host={socket.gethostname()} since={since}\n"
        os.ftruncate(fd, 0)
        os.pwrite(fd, info.encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


# --------------------------------------------------------------------------- atomic replace

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where unsupported."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    libc = ctypes.CDLL(name, use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def swap_dir(staging: Path, final: Path) -> None:
    """Put ``staging`` in place of ``final`` (which may not exist) and delete the previous run.

    Readers see the old folder or the new one, never neither (``RENAME_EXCHANGE``); on kernels or
    filesystems without it, two renames leave ``final`` absent for a moment.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists() and _exchange(staging, final):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the previous run
        return
    old = final.with_name(f".old-{final.name}-{os.getpid()}")
    if final.exists():
        os.replace(final, old)
    os.replace(staging, final)
    shutil.rmtree(old, ignore_errors=True)


def point_latest(root: Path, name: str, link: str = "latest") -> Path:
    """Atomically point ``root/latest`` at ``root/name`` (relative symlink)."""
    target = root / link
    tmp = root / f".{link}-{os.getpid()}"
    tmp.unlink(missing_ok=True)
    os.symlink(name, tmp)
    os.replace(tmp, target)
    return target


def clean_leftovers(root: Path) -> list[Path]:
    """Delete staging/old folders left by a crashed run (call only while holding the lock)."""
    gone = []
    for p in sorted(root.glob(".staging-*")) + sorted(root.glob(".old-*")):
        shutil.rmtree(p, ignore_errors=True)
        gone.append(p)
    return gone


# --------------------------------------------------------------------------- logging


_ISSUED: list[str] = []


def run_id(now: datetime | None = None) -> str:
    """A run's id: UTC time and pid (sorts by time); a second run of this process within the same
    second gets ``-2``, ``-3`` … appended."""
    now = now or datetime.now(UTC)
    rid = f"{now:%Y%m%dT%H%M%SZ}-{os.getpid()}"
    n = sum(1 for r in _ISSUED if r == rid)
    _ISSUED.append(rid)
    return rid if n == 0 else f"{rid}-{n + 1}"


class _RootRelay(logging.Handler):
    """Hands each record it gets to the root logger (the console's handlers)."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger().handle(record)


@contextlib.contextmanager
def run_log(path: Path, level: int = logging.INFO) -> Iterator[Path]:
    """Send the ``helpers`` loggers' records (``level`` and up) to ``path`` for the duration of a
    run; the console keeps what it showed before (warnings, or INFO with ``-v``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(level)
    handler.setFormatter(fmt)
    logger = logging.getLogger("helpers")
    console_level = logging.getLogger().getEffectiveLevel()
    previous = (logger.level, logger.propagate)
    # records below the console's level go to the file only: stop them at this logger
    relay = _RootRelay(level=console_level)
    logger.addHandler(handler)
    logger.addHandler(relay)
    logger.propagate = False
    logger.setLevel(min(level, console_level))
    try:
        yield path
    finally:
        logger.removeHandler(handler)
        logger.removeHandler(relay)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]
        handler.close()
