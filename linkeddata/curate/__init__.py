"""Helping curators: add an article, write fact files, suggest candidate facts, review them."""
