"""enhance-sample Lambda (container image): one Map item of the training state machine.

Input: `{"job_id", "user_id", "sample": {"sample_id", "key", "transcript"?, "language"?}}` (the sample
fields may also come flat). Reads the raw sample from the samples bucket, enhances it (mono, high-pass,
noise reduction where it helps, silence trimmed, loudness -23 LUFS / -1 dBTP, 22.05 kHz) and writes
clips of at most 11 s to `prepared/{user_id}/{job_id}/{sample_id}/clip_{i:03d}.wav`.
Output: `{"sample_id", "clips": [{"key", "duration_s", "transcript", "language"}], "sample_rate",
"speech_s", "clips_denoised"}`. An unusable sample raises JobNotRunnable with a message for the user.
"""

from functions.orchestration.telemetry import ORCHESTRATION
from voiceclone.config import get_settings
from voiceclone.observability import STEP_JOB_ID
from voiceclone.workflows.samples import EnhanceSampleEvent, prepare_sample_clips


@ORCHESTRATION.handler(STEP_JOB_ID)
def lambda_handler(event, context):
    return prepare_sample_clips(get_settings(), EnhanceSampleEvent.model_validate(event))
