"""Speech engines behind one interface (engines.base.Engine) and the registry that picks them.

Imported only by workers and orchestration code, never by the API handlers (it pulls torch lazily).
"""
