"""docs/asyncapi.yaml parses and names every frame the server and the client exchange."""

from __future__ import annotations

import yaml

from voiceclone.realtime import protocol
from voiceclone.realtime.app import STREAM_PATH


def test_the_asyncapi_document_names_every_frame_type(repo_root):
    document = yaml.safe_load((repo_root / "docs" / "asyncapi.yaml").read_text())
    assert document["asyncapi"].startswith("3.")
    channel = document["channels"]["stream"]
    assert channel["address"] == STREAM_PATH
    messages = document["components"]["messages"]
    frame_types = {m["payload"]["properties"]["type"]["const"] for m in messages.values()
                   if m["payload"].get("type") == "object"}
    client_types = {model.model_fields["type"].annotation.__args__[0]  # Literal["start"] -> "start"
                    for model in (protocol.StartFrame, protocol.TextFrame, protocol.FlushFrame, protocol.EndFrame)}
    assert set(protocol.SERVER_FRAME_TYPES) | client_types == frame_types
    sent = [ref["$ref"].rsplit("/", 1)[1] for ref in document["operations"]["receiveAudio"]["messages"]]
    assert set(protocol.SERVER_FRAME_TYPES) <= set(sent) and "audioData" in sent
    for ref in (ref for op in document["operations"].values() for ref in op["messages"]):
        assert ref["$ref"].rsplit("/", 1)[1] in channel["messages"]
