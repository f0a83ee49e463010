"""The release folder as one contract: its file and graph names, checksums, the on-disk store, diffs between releases, publishing to a Graph Store."""
