"""Worker processes for handler adapters: the line protocol, the process tree, the pool."""
