"""How a batch group's items are split into engine passes (workers.batch._passes)."""

from voiceclone.domain.batch import BatchItem
from voiceclone.domain.tts import OutputFormat, VoiceSettings
from voiceclone.workers.batch import PASS_ITEMS, _passes


def _item(index: int, language: str = "en", speed: float = 1.0) -> BatchItem:
    return BatchItem(index=index, text=f"line {index}", characters=6, voice_model_id="v", engine="xtts",
                     language=language, output_format=OutputFormat.MP3, voice_settings=VoiceSettings(speed=speed))


def test_items_sharing_language_and_settings_share_a_pass_of_at_most_pass_items():
    items = [_item(i) for i in range(PASS_ITEMS + 3)]
    passes = _passes(items)
    assert [len(p) for p in passes] == [PASS_ITEMS, 3]
    assert [i.index for p in passes for i in p] == list(range(PASS_ITEMS + 3))  # order kept


def test_another_language_or_other_settings_make_their_own_pass():
    items = [_item(0), _item(1, "cs"), _item(2), _item(3, speed=1.2), _item(4, "cs")]
    assert [[i.index for i in p] for p in _passes(items)] == [[0, 2], [1, 4], [3]]
