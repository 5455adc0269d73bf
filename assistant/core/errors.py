"""Error types that callers catch without importing the heavy modules that raise them."""


class LLMError(Exception):
    """The configured LLM cannot be used (configuration, connection, or a malformed reply)."""


class EmbedderError(Exception):
    """The configured embedder cannot be loaded or used."""


class LoadError(Exception):
    """A file that cannot be turned into text."""


class TooLargeError(LoadError):
    """A file whose text (or decompressed content) exceeds a limit: refused while reading."""


class OcrUnavailableError(LoadError):
    """A scanned page, and no Tesseract (or no Vietnamese model) to read it: says how to install it."""


class ToolUnavailableError(LoadError):
    """A format read by a system program that is not installed (.doc: antiword)."""


class EvalFileError(ValueError):
    pass


class StoreError(Exception):
    pass
