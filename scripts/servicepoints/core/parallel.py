"""Independent work in worker processes: results by index, a bounded window ahead of the consumer.

The writer asks for item ``n``; chunks of items are computed by forked workers a few chunks ahead,
so at most ``window`` chunks of results wait in memory. The function and its data reach the workers
by fork, not by pickling; each result depends only on its index, so the output is the same
whatever the number of workers (``workers=0`` computes in this process).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.pool
import os
from collections.abc import Callable, Iterator
from typing import Any

from .settings import integer_text

NICE = 10  # workers work ahead; the build process and the background jobs it waits on come first
_TASKS: dict[str, Callable[[int], Any]] = {}  # set in the parent just before the fork; read in the workers


def _run(name: str, start: int, stop: int) -> list:
    return [_TASKS[name](n) for n in range(start, stop)]


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Fork inside this: every object that exists now is moved out of the garbage collector's reach while the
    children are forked, and given back to it in this process afterwards. A child's collections then never
    write to those objects' headers, so the memory pages it shares with this process stay shared instead of
    being copied one by one (about 0.8 s of CPU, most of the workers' cost, at 2,000 points). A heap frozen
    before (the build command's registry, while the site is built) stays frozen."""
    kept = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not kept:
            gc.unfreeze()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection inside, then the collector as it was (after an error too; one the caller turned
    off stays off). For work that makes many objects and no cycles to speak of, where the collector's passes
    over the growing heap free nothing: reading and checking records, making the open-data files (issue 27).
    Nothing that forks should run inside (a child would keep it off)."""
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if running:
            gc.enable()


def default_workers(count: int, threshold: int = 400, chosen: int | None = None) -> int:
    """Workers worth forking for ``count`` items: none for small sites, else one per core.
    The ``workers`` setting (``SERVICEPOINTS_WORKERS=N``) chooses (0: everything in this process);
    a value that is not a small whole number is a SetupError, never a crash or a thousand forks."""
    if chosen is None:
        text = os.environ.get("SERVICEPOINTS_WORKERS", "")
        chosen = integer_text(text, "workers") if text else None
    if chosen is not None:
        return chosen
    return 0 if count < threshold else os.cpu_count() or 1


class Workers:
    """One pool of forked processes for the build's independent work. Tasks are added by name before the
    pool starts (the first submit forks it, so each worker has them all); ``processes=0`` forks nothing."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.tasks: dict[str, Callable[[int], Any]] = {}
        self.pool: multiprocessing.pool.Pool | None = None

    def add(self, name: str, task: Callable[[int], Any]) -> None:
        if self.pool is not None:
            raise RuntimeError(f"task {name} added after the workers started")
        self.tasks[name] = task

    def submit(self, name: str, start: int, stop: int):
        """``[task(n) for n in range(start, stop)]`` in a worker, as a multiprocessing AsyncResult."""
        pool = self.pool
        if pool is None:
            global _TASKS
            _TASKS = dict(self.tasks)
            try:
                with frozen_heap():
                    pool = self.pool = multiprocessing.get_context("fork").Pool(self.processes, os.nice, (NICE,))
            finally:
                _TASKS = {}
        return pool.apply_async(_run, (name, start, stop))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None


class OrderedMap:
    """``get(n) == task(n)`` for ``0 <= n < count``, computed ahead by the workers, chunk by chunk.

    At most ``window`` chunks beyond the one asked for are submitted; the task reaches the workers by
    fork, and each result depends only on its index, so the output is the same for any number of workers.
    """

    def __init__(
        self,
        task: Callable[[int], Any],
        count: int,
        workers: Workers,
        name: str,
        chunk: int = 50,
        window: int = 6,
    ) -> None:
        self.task, self.count, self.chunk, self.window, self.name = task, count, chunk, window, name
        self.workers = workers
        workers.add(name, task)
        self.pending: dict[int, Any] = {}
        self.ready: dict[int, list] = {}
        self.left: dict[int, int] = {}
        self.submitted = 0

    def _submit_through(self, last: int) -> None:
        chunks = -(-self.count // self.chunk)
        while self.submitted <= min(last, chunks - 1):
            start = self.submitted * self.chunk
            stop = min(start + self.chunk, self.count)
            self.pending[self.submitted] = self.workers.submit(self.name, start, stop)
            self.left[self.submitted] = stop - start
            self.submitted += 1

    def prefetch(self) -> None:
        """Give the workers the first ``window`` chunks now, before anything is asked for."""
        if self.workers.processes:
            self._submit_through(self.window - 1)

    def get(self, n: int) -> Any:
        if not 0 <= n < self.count:
            raise IndexError(n)
        if not self.workers.processes:
            return self.task(n)
        chunk = n // self.chunk
        self._submit_through(chunk + self.window)
        if chunk not in self.ready:
            if chunk not in self.pending:  # asked again after it was released: compute here
                return self.task(n)
            self.ready[chunk] = self.pending.pop(chunk).get()
        result = self.ready[chunk][n - chunk * self.chunk]
        self.left[chunk] -= 1
        if self.left[chunk] == 0:
            del self.ready[chunk]
        return result


class Background:
    """``task()`` run in a forked process while this one goes on; ``result()`` waits for its value.

    The task reaches the child by fork, not by pickling; its value (and an exception it raises) comes
    back pickled. With ``forked=False`` the task runs here, at once, and nothing is forked.
    """

    def __init__(self, task: Callable[[], Any], forked: bool = True) -> None:
        self.process = None
        if not forked:
            try:
                self.outcome: tuple[bool, Any] | None = (True, task())
            except Exception as exc:  # raised again from result(), as the forked path does
                self.outcome = (False, exc)
            return
        self.outcome = None
        context = multiprocessing.get_context("fork")
        self.reader, writer = context.Pipe(duplex=False)
        self.process = context.Process(target=_background, args=(task, writer), daemon=True)
        with frozen_heap():
            self.process.start()
        writer.close()

    def result(self) -> Any:
        if self.outcome is None:
            try:
                self.outcome = self.reader.recv()
            except EOFError:
                self.outcome = (False, RuntimeError(f"后台进程意外退出（退出码 {self._wait()}）"))
            self._wait()
        ok, value = self.outcome
        if not ok:
            raise value
        return value

    def _wait(self) -> int | None:
        if self.process is None:  # nothing was forked
            return None
        self.process.join()
        self.reader.close()
        return self.process.exitcode

    def close(self) -> None:
        """Stop the child if it is still working (a build that failed elsewhere)."""
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join()


def _background(task: Callable[[], Any], writer) -> None:
    try:
        outcome = (True, task())
    except Exception as exc:
        outcome = (False, exc)
    try:
        writer.send(outcome)
    except Exception as exc:  # the value or the exception would not pickle
        writer.send((False, RuntimeError(f"后台任务的结果无法传回：{exc!r}；原结果：{outcome[1]!r}")))
    writer.close()
