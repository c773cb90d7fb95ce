"""Remote speech engines: ElevenLabs, OpenAI TTS and Azure Speech over their REST APIs.

The clients (`elevenlabs`, `openai_tts`, `azure_speech`) use only the standard library, so the light
Lambdas can import them (availability probes); `speech` dispatches a TTS request by engine and
`output` (numpy, soundfile) turns the provider's audio into the platform's normalised file.
Keys: `keys.load_provider_keys`; base URLs: `endpoints.RemoteEndpoints`.
"""
