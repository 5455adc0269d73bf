"""Shared by every stage: types, settings, errors, text utilities, the segmenter, language data."""
