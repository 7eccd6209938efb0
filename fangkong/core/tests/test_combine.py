"""Group commit: concurrent callers' items answered by batched calls, each its own answer."""

from __future__ import annotations

import threading
import time

import pytest

from fangkong.core.combine import Combiner


def _run_at_once(combiner: Combiner[int, int], items: list[int]) -> dict[int, object]:
    barrier = threading.Barrier(len(items))
    answers: dict[int, object] = {}

    def call(item: int) -> None:
        barrier.wait()
        try:
            answers[item] = combiner.submit(item)
        except Exception as exc:
            answers[item] = exc

    threads = [threading.Thread(target=call, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a caller never got its answer"
    return answers


def test_concurrent_callers_are_batched_and_each_gets_its_own_answer():
    sizes: list[int] = []

    def handle(items: list[int]) -> list[int]:
        sizes.append(len(items))
        time.sleep(0.02)  # while a batch runs, the other callers queue up
        return [item * 10 for item in items]

    combiner: Combiner[int, int] = Combiner(handle, max_batch=8)
    answers = _run_at_once(combiner, list(range(40)))
    assert answers == {item: item * 10 for item in range(40)}
    assert sum(sizes) == 40
    assert max(sizes) <= 8
    assert len(sizes) < 40  # callers were combined
    assert (combiner.batches, combiner.items) == (len(sizes), 40)


def test_a_failing_batch_fails_each_of_its_callers_and_the_next_batch_runs():
    def handle(items: list[int]) -> list[int]:
        if 0 in items:
            raise ValueError("boom")
        time.sleep(0.01)
        return items

    combiner: Combiner[int, int] = Combiner(handle, max_batch=4)
    answers = _run_at_once(combiner, list(range(12)))
    failed = [item for item, answer in answers.items() if isinstance(answer, ValueError)]
    assert 0 in failed
    assert len(failed) <= 4
    assert all(answers[item] == item for item in answers if item not in failed)


def test_a_batch_function_must_answer_every_item():
    combiner: Combiner[int, int] = Combiner(lambda items: items[:-1])
    with pytest.raises(RuntimeError, match="every item"):
        combiner.submit(1)


def test_a_lone_caller_is_a_batch_of_one():
    combiner: Combiner[int, int] = Combiner(lambda items: [len(items)])
    assert [combiner.submit(n) for n in range(3)] == [1, 1, 1]


@pytest.mark.django_db
def test_a_caller_inside_a_transaction_is_not_combined():
    seen: list[list[int]] = []

    def handle(items: list[int]) -> list[int]:
        seen.append(items)
        return items

    combiner: Combiner[int, int] = Combiner(handle)
    assert combiner.submit(5) == 5  # pytest-django wraps the test in a transaction
    assert seen == [[5]]
    assert combiner.batches == 0  # answered directly, not through a batch


@pytest.mark.parametrize("leaders", [1, 2, 3])
def test_at_most_the_given_number_of_batches_run_at_once(leaders):
    running = 0
    most = 0
    lock = threading.Lock()

    def handle(items: list[int]) -> list[int]:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return [item + 1 for item in items]

    combiner: Combiner[int, int] = Combiner(handle, max_batch=5, leaders=leaders)
    answers = _run_at_once(combiner, list(range(60)))
    assert answers == {item: item + 1 for item in range(60)}
    assert most == leaders  # sixty callers at once keep every lead busy
    assert combiner.items == 60
    assert combiner.batches < 60


def test_a_combiner_needs_a_leader():
    with pytest.raises(ValueError, match="leader"):
        Combiner(lambda items: items, leaders=0)
