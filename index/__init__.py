"""Embedding, vector and keyword indexes, hybrid search, knowledge-base versions."""
