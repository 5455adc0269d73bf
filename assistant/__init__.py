"""Question answering with verified citations over Vietnamese education directives.

Data flows one way: files -> documents -> chunks -> index -> retrieval -> answer -> API/UI.
``assistant.app.service.Assistant`` is the entry point for Python callers.
"""

__version__ = "0.1.0"
