"""Hits to an answer: candidate units, features, the fitted model, verdicts, citations, LLM."""
