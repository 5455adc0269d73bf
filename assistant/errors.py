"""Error types that callers catch without importing the heavy modules that raise them."""


class LLMError(Exception):
    """The configured LLM cannot be used (configuration, connection, or a malformed reply)."""


class EmbedderError(Exception):
    """The configured embedder cannot be loaded or used."""
