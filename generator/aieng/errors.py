"""One base for every error aieng reports, so only the CLI decides how it looks.

Library code raises these with a message that says what is wrong and how to fix it;
the CLI prints that one line and exits with the error's code.
"""

from __future__ import annotations


class AiengError(Exception):
    """A failure the user can act on; exit code 1."""

    exit_code = 1


class BadInputError(AiengError):
    """The user's input (a name, a flag, a file) is wrong; exit code 2, like a usage error."""

    exit_code = 2
