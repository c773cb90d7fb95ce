"""voiceclone: open-source voice cloning platform."""
