"""Seeds to release: mapping, the canonical writer, validation (pySHACL and compiled shapes), dumps, the VoID/DCAT description, build and validate."""
