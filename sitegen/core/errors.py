"""The error every stage may raise when a build cannot complete (here, not in the build
package, so that search and the command line can name it without importing the build)."""


class BuildError(Exception):
    """A build that cannot complete; the message names the file and line."""
