"""A release (or RDF files) to HTTP: the app and its pages, the SPARQL protocol, negotiation, the query guard, the engine and its sandboxed worker processes, a remote backend."""
