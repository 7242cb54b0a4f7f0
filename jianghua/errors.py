"""The exception tree. The core raises these; only ui/ and the CLI translate them."""


class JianghuaError(Exception):
    """Base of every error the product raises on purpose."""


class InputError(JianghuaError):
    """A request or argument is malformed (empty question, bad length …)."""


class UnsupportedFileError(JianghuaError):
    """A file type the loaders cannot read."""


class DocumentLoadError(JianghuaError):
    """A supported file that could not be read (empty, binary, corrupt, too large …)."""


class IndexNotFoundError(JianghuaError):
    """No knowledge base at the given directory."""


class IndexCorruptError(JianghuaError):
    """A knowledge base directory exists but cannot be opened."""


class EmbedderMismatchError(JianghuaError):
    """The knowledge base was built with another embedder than the one configured."""


class EmbedderUnavailableError(JianghuaError):
    """An embedder's model or its package is missing."""


class DocumentNotFoundError(JianghuaError):
    """No document with that id in the knowledge base."""


class VersionError(JianghuaError):
    """A version that does not exist, or an operation the version state forbids."""


class GateError(JianghuaError):
    """Promotion refused because the candidate regressed on the evaluation set; ``report``: the gate's report
    (drops, both results) when there is one."""

    def __init__(self, message: str, report: dict | None = None):
        super().__init__(message)
        self.report = report


class BusyError(JianghuaError):
    """A job that runs one at a time (an evaluation) is already running."""


class GeneratorError(JianghuaError):
    """The language-model backend failed or is misconfigured."""


class BackendError(JianghuaError):
    """The configured search backend (JIANGHUA_BACKEND=milvus) is missing its package or cannot be reached."""
