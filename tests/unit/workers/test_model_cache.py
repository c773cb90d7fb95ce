"""ModelCache on real tiny engines (YourTTS, Bark): the LRU honours its budget, a hit does not reload, unload frees."""

from __future__ import annotations

import gc
import logging
import weakref

import pytest

from voiceclone.engines.bark.engine import BarkEngine
from voiceclone.engines.bark.tiny import tiny_bark_dir
from voiceclone.engines.yourtts.engine import YourTtsEngine
from voiceclone.engines.yourtts.tiny import tiny_yourtts_dir
from voiceclone.workers.model_cache import (
    ManagedModel,
    ModelCache,
    gauge_for_device,
    model_cache,
    parameter_bytes,
)


def _yourtts() -> YourTtsEngine:
    return YourTtsEngine(tiny_yourtts_dir(), device="cpu")


@pytest.fixture(scope="module")
def yourtts_bytes() -> int:
    engine = _yourtts()
    engine.load()
    size = engine.memory_bytes()
    engine.unload()
    return size


def test_engines_are_managed_models():
    assert isinstance(_yourtts(), ManagedModel)
    assert isinstance(BarkEngine(tiny_bark_dir(), device="cpu"), ManagedModel)
    assert gauge_for_device("cpu") is parameter_bytes


def test_a_hit_does_not_reload(yourtts_bytes, caplog):
    cache = ModelCache(budget_bytes=10 * yourtts_bytes)
    engine = _yourtts()
    with caplog.at_level(logging.INFO, logger="voiceclone.workers.model_cache"):
        cache.acquire("yourtts", engine)
        first = engine.model
        cache.acquire("yourtts", engine)
    assert engine.model is first
    assert (cache.stats.misses, cache.stats.hits, cache.stats.loads, cache.stats.unloads) == (1, 1, 1, 0)
    assert cache.used_bytes() == yourtts_bytes
    events = [r.model_cache_event for r in caplog.records if hasattr(r, "model_cache_event")]
    assert events == ["load", "hit"]
    cache.unload_all()


def test_least_recently_used_is_unloaded_to_stay_within_the_budget(yourtts_bytes):
    cache = ModelCache(budget_bytes=2 * yourtts_bytes + 1000)  # room for two
    a, b, c = _yourtts(), _yourtts(), _yourtts()
    cache.acquire("a", a)
    cache.acquire("b", b)
    cache.acquire("a", a)  # a is now the most recently used
    cache.acquire("c", c)
    assert cache.loaded() == ["a", "c"] and not b.is_loaded
    assert cache.used_bytes() <= cache.budget_bytes
    assert (cache.stats.loads, cache.stats.unloads, cache.stats.hits, cache.stats.misses) == (3, 1, 1, 3)
    cache.acquire("b", b)  # back: the least recently used (a) makes room
    assert cache.loaded() == ["c", "b"] and not a.is_loaded
    cache.unload_all()


def test_a_model_over_the_budget_is_served_alone_and_its_size_is_remembered(yourtts_bytes):
    cache = ModelCache(budget_bytes=yourtts_bytes + 1000)
    small, bark = _yourtts(), BarkEngine(tiny_bark_dir(), device="cpu")
    cache.acquire("yourtts", small)
    cache.acquire("bark", bark)  # larger than the whole budget
    assert cache.loaded() == ["bark"] and bark.memory_bytes() > cache.budget_bytes
    cache.acquire("yourtts", small)
    assert cache.loaded() == ["yourtts"]
    cache.acquire("bark", bark)  # its size is known now: room is made before it loads
    assert cache.loaded() == ["bark"] and cache.stats.unloads == 3
    cache.unload_all()


def test_unload_frees_the_model(yourtts_bytes):
    cache = ModelCache(budget_bytes=10 * yourtts_bytes)
    engine = _yourtts()
    cache.acquire("yourtts", engine)
    model = weakref.ref(engine.model)
    cache.unload("yourtts")
    gc.collect()
    assert model() is None and cache.used_bytes() == 0 and cache.loaded() == []
    assert cache.stats.unloads == 1 and cache.stats.unload_seconds >= 0
    cache.acquire("yourtts", engine)  # a miss again, loaded afresh
    assert cache.stats.loads == 2 and engine.is_loaded
    cache.unload_all()


def test_one_name_cannot_stand_for_two_models(yourtts_bytes):
    cache = ModelCache(budget_bytes=10 * yourtts_bytes)
    cache.acquire("yourtts", _yourtts())
    with pytest.raises(ValueError, match="already another model"):
        cache.acquire("yourtts", _yourtts())
    cache.unload_all()


def test_a_worker_builds_the_engines_and_cache_from_its_settings(tmp_path):
    from voiceclone.config import Settings
    from voiceclone.engines import selfhosted_factory

    settings = Settings(
        yourtts_model_dir=str(tiny_yourtts_dir()),
        bark_model_dir=str(tiny_bark_dir()),
        bark_max_gen_duration_s=0.5,
        worker_device="cpu",
        worker_model_cache_mb=64,
    )
    cache = model_cache(settings.worker_model_cache_mb, selfhosted_factory.device_of(settings))
    assert cache.budget_bytes == 64 * 1024 * 1024 and cache.gauge is parameter_bytes
    bark = selfhosted_factory.bark_engine(settings, s3=None)
    yourtts = selfhosted_factory.yourtts_engine(settings, s3=None)
    assert bark.max_gen_duration_s == 0.5 and bark.model_dir == tiny_bark_dir() and not bark.is_loaded
    cache.acquire("yourtts", yourtts)
    cache.acquire("bark", bark)
    assert cache.loaded() == ["yourtts", "bark"]  # 8 + 28 MB fit in 64
    cache.unload_all()


def test_xtts_takes_part_in_the_lru_too(yourtts_bytes):
    from voiceclone.engines.xtts.engine import XttsEngine
    from voiceclone.engines.xtts.tiny import tiny_xtts_dir

    xtts = XttsEngine(tiny_xtts_dir(), device="cpu", max_new_tokens=8)
    assert isinstance(xtts, ManagedModel) and not xtts.is_loaded and xtts.memory_bytes() == 0
    cache = ModelCache(budget_bytes=yourtts_bytes + 1000)  # room for YourTTS alone
    cache.acquire("xtts_v2", xtts)
    model = weakref.ref(xtts.model)
    assert xtts.memory_bytes() > yourtts_bytes
    cache.acquire("yourtts", _yourtts())
    gc.collect()
    assert cache.loaded() == ["yourtts"] and not xtts.is_loaded and model() is None
    cache.unload_all()
