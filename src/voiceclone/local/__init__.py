"""The embedded default: the whole platform in one process for `make run` and end-to-end tests.

The composition root (`stack.LocalStack`) is the one place in the library that imports the handlers
of `functions/`.
"""
