"""The one exception type users see: the CLI prints its message on one line and exits non-zero."""


class SftcastError(Exception):
    """A user-facing error: bad input, an unknown name, a malformed file."""
