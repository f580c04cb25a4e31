"""One chunk of the demo company simulated in memory: see ``simulation``."""
