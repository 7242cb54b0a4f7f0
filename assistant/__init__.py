"""Retrieval chain, answering, drafting and citation checks."""
