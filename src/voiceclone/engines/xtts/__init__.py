"""XTTS v2 through coqui-tts: instant voices (conditioning latents) and fine-tuned GPT voices."""
