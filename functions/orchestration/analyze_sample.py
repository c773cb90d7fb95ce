"""analyze-sample Lambda (container image): S3 ObjectCreated on `raw/` of the samples bucket.

Input: an S3 event notification (`Records[].s3.bucket.name`, `Records[].s3.object.key`, URL-encoded).
For each raw sample key `raw/{user_id}/{sample_id}/{filename}` it re-checks size and content type
(a second check after the presigned POST policy), analyses the audio (voiceclone.audio) and moves the
sample `analyzing` -> `ready` (with quality metrics, metadata, suitable_for_training and reasons) or
`rejected` (a file that cannot be read, with the reason); a ready sample's speaker embedding is stored
(voiceclone.quality.sample_embedding) for the similarity API. Redelivered events for an analysed sample
are skipped. Output: `{"results": {key: "ready" | "rejected" | "skipped: ..."}}`.
"""

from functions.orchestration.telemetry import ORCHESTRATION
from voiceclone.config import get_settings
from voiceclone.observability import S3_OBJECT_KEY, Dimension, MetricName
from voiceclone.quality.sample_embedding import embed_uploaded_sample
from voiceclone.store import get_store
from voiceclone.workflows.samples import analyze_uploaded_sample, objects_in_event


@ORCHESTRATION.handler(S3_OBJECT_KEY)
def lambda_handler(event, context):
    settings = get_settings()
    store = get_store(settings)
    results = {ref.key: analyze_uploaded_sample(store, settings, ref) for ref in objects_in_event(event)}
    for ref in objects_in_event(event):
        if results.get(ref.key) == "ready":  # the similarity API compares stored embeddings only
            embed_uploaded_sample(store, ref.bucket, ref.key)
    for outcome in results.values():
        verdict = outcome.split(":", 1)[0]  # "skipped: already analysed" counts as skipped
        ORCHESTRATION.emit(MetricName.SAMPLES_ANALYZED, 1, **{Dimension.VERDICT: verdict})
    return {"results": results}
