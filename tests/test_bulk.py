"""``config.bulk.collection_paused``: batches hold off the garbage collector, and never leave it off."""

import gc

import pytest

from config.bulk import collection_paused
from dossiers import sync


@pytest.fixture
def collector_enabled():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_enabled_after(collector_enabled):
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_enabled_again_after_an_error(collector_enabled):
    with pytest.raises(ValueError), collection_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_nested_block_leaves_it_to_the_outer_one(collector_enabled):
    with collection_paused():
        with collection_paused():
            pass
        assert not gc.isenabled()  # the inner block found it off: it does not switch it on mid-batch
    assert gc.isenabled()


def test_left_off_when_it_was_off(collector_enabled):
    gc.disable()
    with collection_paused():
        pass
    assert not gc.isenabled()


def test_a_rejected_batch_leaves_the_collector_on(collector_enabled):
    with pytest.raises(sync.BatchRejected):
        sync.sync_batch("not a list", source="bench", by=None)
    assert gc.isenabled()
