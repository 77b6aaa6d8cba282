"""The bottom layer: platform facts, shared values and helpers that every other layer may import."""
