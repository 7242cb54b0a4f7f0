"""Ingest: files in, cleaned ``Document`` records out."""
