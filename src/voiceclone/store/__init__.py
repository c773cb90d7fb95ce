"""MongoDB persistence: the only package that talks to the database.

Entry point: `Store.from_settings(settings)` (or `get_store()`) gives one object with a repository per
collection; every read and write of user data takes the user id:

- `store.samples`   SampleRepository      (voice_samples)
- `store.voices`    VoiceRepository       (voice_models)
- `store.training`  TrainingJobRepository (training_jobs)
- `store.tts`       TtsJobRepository      (tts_jobs)
- `store.batches`   BatchRepository       (tts_batches: batch TTS, items embedded)
- `store.users`     UserRepository        (users)
- `store.engine_status` EngineStatusRepository (engine_status: probes, weights, workers; platform data)
- `store.api_keys`  ApiKeyRepository      (api_keys: hashed personal API keys; looked up by hash)

A repository's module is imported where the store is first asked for it; the services import the
repositories they use, so an API handler loads its own area's only (the cold start).

The client is created once per process and reused across Lambda invocations; indexes are created the
first time a database is opened in a process.
"""

from voiceclone.store.repository import Store, get_store

__all__ = ["Store", "get_store"]
