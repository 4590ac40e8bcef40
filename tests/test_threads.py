"""ladderdata.threads: results in input order, errors where the plain loop would raise them."""

from __future__ import annotations

import threading
import time

import pytest

from ladderdata import threads
from ladderdata.errors import ConfigError
from ladderdata.threads import beside, ordered_map, prefetched, thread_count


class Boom(Exception):
    pass


def slow_square(x: int) -> int:
    # later items finish first, so an unordered collection would come back reversed
    time.sleep(0.002 * (10 - x))
    return x * x


def test_ordered_map_keeps_input_order_on_threads() -> None:
    assert ordered_map(slow_square, list(range(10)), threads=4) == [x * x for x in range(10)]


def test_ordered_map_uses_other_threads() -> None:
    names = set(ordered_map(lambda _: (time.sleep(0.01), threading.current_thread().name)[1], range(8), 4))
    assert threading.current_thread().name not in names
    assert len(names) > 1


def test_ordered_map_raises_the_first_failure_in_input_order() -> None:
    def fn(x: int) -> int:
        if x in (3, 7):
            time.sleep(0.05 if x == 3 else 0)  # 7 fails first in time, 3 first in order
            raise Boom(x)
        return x

    with pytest.raises(Boom) as err:
        ordered_map(fn, list(range(10)), threads=4)
    assert err.value.args == (3,)


def test_one_thread_runs_in_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(threads.ENV_THREADS, "1")
    me = threading.current_thread().name
    assert ordered_map(lambda _: threading.current_thread().name, [1, 2, 3]) == [me] * 3
    assert [name for _, name in prefetched(lambda _: threading.current_thread().name, [1, 2])] == [me] * 2


def test_thread_count_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(threads.ENV_THREADS, "3")
    assert thread_count() == 3
    monkeypatch.delenv(threads.ENV_THREADS)
    assert 1 <= thread_count() <= threads.MAX_THREADS
    assert thread_count() == min(threads.MAX_THREADS, threads.usable_cores())
    for bad in ("0", "two"):
        monkeypatch.setenv(threads.ENV_THREADS, bad)
        with pytest.raises(ConfigError, match="LADDERDATA_THREADS"):
            thread_count()


def test_prefetched_pairs_items_in_order_and_stays_within_its_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(threads.ENV_THREADS, "2")
    started: list[int] = []
    consumed: list[int] = []

    def fn(x: int) -> int:
        started.append(x)
        return -x

    for x, y in prefetched(fn, range(20), lookahead=3):
        assert y == -x
        time.sleep(0.002)  # let the reader run ahead as far as it may
        # at most `lookahead` items beyond the current one have been started
        assert max(started) <= x + 3
        consumed.append(x)
    assert consumed == list(range(20))


def test_prefetched_reraises_in_turn_and_stops_on_early_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(threads.ENV_THREADS, "2")

    def fn(x: int) -> int:
        if x == 2:
            raise Boom(x)
        return x

    got = []
    with pytest.raises(Boom):
        for x, _ in prefetched(fn, range(100), lookahead=4):
            got.append(x)
    assert got == [0, 1]  # the items before the failing one were all handed out first

    started: list[int] = []
    gen = prefetched(lambda x: started.append(x) or x, range(1000), lookahead=4)
    assert next(gen) == (0, 0)
    gen.close()
    time.sleep(0.02)
    assert len(started) <= 6  # the rest was never read


def test_beside_runs_both_and_orders_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(threads.ENV_THREADS, "2")
    me = threading.current_thread().name
    first, second = beside(lambda: threading.current_thread().name, lambda: threading.current_thread().name)
    assert second == me and first != me

    def fail(tag: str, after: float = 0.0):
        def fn() -> None:
            time.sleep(after)
            raise Boom(tag)

        return fn

    # both fail: the first call's error, even when the second fails sooner
    with pytest.raises(Boom) as err:
        beside(fail("first", after=0.05), fail("second"))
    assert err.value.args == ("first",)
    with pytest.raises(Boom) as err:
        beside(lambda: 1, fail("second"))
    assert err.value.args == ("second",)
    with pytest.raises(Boom) as err:
        beside(fail("first"), lambda: 2)
    assert err.value.args == ("first",)


def test_beside_passes_an_interrupt_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(threads.ENV_THREADS, "2")

    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        beside(lambda: (_ for _ in ()).throw(Boom("first")), interrupted)


def _worker_threads(_: int) -> int:
    return thread_count()


def test_pool_workers_take_their_share_of_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    from ladderdata.executors.local import LocalExecutor

    monkeypatch.delenv(threads.ENV_THREADS, raising=False)
    with LocalExecutor(workers=2) as pool:
        got = set(pool.imap_unordered(_worker_threads, [0, 1, 2]))
    assert got == {min(threads.MAX_THREADS, max(1, threads.usable_cores() // 2))}
    assert thread_count() == min(threads.MAX_THREADS, threads.usable_cores())  # the driver keeps all
    monkeypatch.setenv(threads.ENV_THREADS, "3")  # the setting wins in the workers too
    with LocalExecutor(workers=2) as pool:
        assert set(pool.imap_unordered(_worker_threads, [0, 1])) == {3}


def test_prefetched_on_several_threads_keeps_order_and_draws_input_lazily(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(threads.ENV_THREADS, "4")
    drawn: list[int] = []

    def source():
        for x in range(30):
            drawn.append(x)
            yield x

    names: set[str] = set()

    def fn(x: int) -> int:
        names.add(threading.current_thread().name)
        return slow_square(x % 10)

    for x, y in prefetched(fn, source(), lookahead=5, threads=3):
        assert y == (x % 10) ** 2
        assert max(drawn) <= x + 5  # the input is read no further ahead than the window
    assert drawn == list(range(30))
    assert threading.current_thread().name not in names and len(names) > 1
