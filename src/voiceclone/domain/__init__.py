"""Pure models and rules of voiceclone: no I/O, imports nothing else of ours."""
