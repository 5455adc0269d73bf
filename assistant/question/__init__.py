"""A question analysed once: its form, kind, constraints, language and vocabulary."""
