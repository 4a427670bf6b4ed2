"""Worker processes (parallel.py): results by index whatever the number of workers, errors come back."""

from __future__ import annotations

import gc
import os

import pytest

from servicepoints.core.parallel import Background, OrderedMap, Workers


def square(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


@pytest.mark.parametrize("processes", [0, 1, 2])
def test_every_item_in_any_order_is_its_task(processes):
    workers = Workers(processes)
    squares = OrderedMap(square, 23, workers, "squares", chunk=4, window=2)
    cubes = OrderedMap(lambda n: n**3, 5, workers, "cubes", chunk=1, window=5)
    try:
        cubes.prefetch()
        squares.prefetch()
        got = {n: squares.get(n) for n in [*range(10, 23), *range(10)]}  # out of order
        assert {n: value for n, (value, _) in got.items()} == {n: n * n for n in range(23)}
        assert squares.get(3)[0] == 9  # asked again after its chunk was released
        assert [cubes.get(n) for n in range(5)] == [0, 1, 8, 27, 64]
        in_this_process = {pid for _, pid in got.values()} == {os.getpid()}
        assert in_this_process is (processes == 0)
        with pytest.raises(IndexError):
            squares.get(23)
    finally:
        workers.close()


def test_only_a_window_of_chunks_is_submitted_ahead():
    workers = Workers(1)
    items = OrderedMap(square, 100, workers, "squares", chunk=10, window=3)
    try:
        items.prefetch()
        assert items.submitted == 3
        items.get(0)
        assert items.submitted == 4  # chunk 0 plus three ahead
        items.get(55)
        assert items.submitted == 9
    finally:
        workers.close()


def test_no_task_can_join_started_workers():
    workers = Workers(1)
    OrderedMap(square, 3, workers, "a").prefetch()
    try:
        with pytest.raises(RuntimeError, match="added after the workers started"):
            OrderedMap(square, 3, workers, "b")
    finally:
        workers.close()


def boom(n: int) -> int:
    raise ValueError(f"bad item {n}")


def test_an_error_in_a_worker_is_raised_where_the_item_is_asked_for():
    workers = Workers(1)
    items = OrderedMap(boom, 3, workers, "boom", chunk=1)
    try:
        with pytest.raises(ValueError, match="bad item 1"):
            items.get(1)
    finally:
        workers.close()


@pytest.mark.parametrize("forked", [True, False])
def test_background_gives_the_value_or_the_error(forked):
    assert Background(lambda: {"pid": os.getpid()}, forked=forked).result()["pid"] != os.getpid() or not forked
    failing = Background(lambda: boom(7), forked=forked)
    with pytest.raises(ValueError, match="bad item 7"):
        failing.result()
    with pytest.raises(ValueError):  # asked again: the same error, no hang
        failing.result()


def test_background_says_so_when_the_child_dies():
    job = Background(lambda: os._exit(3))
    with pytest.raises(RuntimeError, match="退出码 3"):
        job.result()


def test_background_reports_a_value_that_cannot_come_back():
    job = Background(lambda: lambda: None)  # a lambda does not pickle
    with pytest.raises(RuntimeError, match="无法传回"):
        job.result()


def test_background_close_stops_a_child_still_working():
    import time

    job = Background(lambda: time.sleep(60))
    job.close()
    assert not job.process.is_alive()


def frozen(_n: int = 0) -> int:
    """How many objects the garbage collector leaves alone in the process that runs this."""
    return gc.get_freeze_count()


def test_children_are_forked_with_the_parents_objects_out_of_the_collectors_reach():
    # A child that collects garbage over the objects it shares with its parent copies every page they sit on.
    workers = Workers(1)
    items = OrderedMap(frozen, 1, workers, "frozen")
    try:
        assert items.get(0) > 1000  # the worker's inherited heap (the test session's objects) stays frozen
    finally:
        workers.close()
    assert Background(frozen).result() > 1000
    assert gc.get_freeze_count() == 0  # and this process collects its own objects again


def test_a_heap_frozen_before_stays_frozen_after_a_fork():
    # The build command freezes its registry while it builds (cli.build_cmd). Frozen objects that die leave the
    # count, so only "still frozen" is asserted, not the exact number.
    gc.freeze()
    try:
        assert Background(frozen).result() > 1000
        assert gc.get_freeze_count() > 1000  # not given back to the collector by the fork
    finally:
        gc.unfreeze()
