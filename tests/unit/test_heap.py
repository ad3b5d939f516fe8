"""`framework.heap`: the cyclic collector is off during a burst of imports and back on afterwards,
whichever of the loading thread and an SDK import finishes first."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from terraform_provider_openai.framework import heap


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was = gc.isenabled()
    yield
    gc.unfreeze()
    heap._imports, heap._on_after = 0, False
    (gc.enable if was else gc.disable)()


def test_the_collector_is_back_on_once_the_provider_has_loaded() -> None:
    gc.disable()  # as main does in plugin mode
    heap.loaded()
    assert gc.isenabled() and gc.get_freeze_count() > 0


def test_an_import_that_outlasts_the_loading_keeps_the_collector_off_until_it_ends() -> None:
    gc.disable()
    with heap.collector_off():
        heap.loaded()  # the loading thread finishes while a call imports the SDK
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_import_after_the_loading_leaves_the_collector_on() -> None:
    gc.enable()
    with heap.collector_off():
        assert not gc.isenabled()
        made = [[] for _ in range(10)]
    assert gc.isenabled() and gc.get_freeze_count() >= len(made)


def test_imports_that_overlap_turn_the_collector_on_after_the_last() -> None:
    gc.enable()
    with heap.collector_off():
        with heap.collector_off():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_someone_turned_off_stays_off() -> None:
    gc.disable()
    with heap.collector_off():
        pass
    assert not gc.isenabled()
