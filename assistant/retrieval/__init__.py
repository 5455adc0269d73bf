"""An analysed question to hits with their context (dense + sparse, fused)."""
