"""Use-cases the API handlers call: samples, training, tts, voices, account (plan, usage, stats).

Every function takes the Store, the Settings and the caller's user id, enforces permissions and plan
limits, and raises voiceclone.domain.errors exceptions the handlers turn into JSON errors.
"""
