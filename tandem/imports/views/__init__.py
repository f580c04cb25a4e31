"""The import wizard's pages: steps 1 to 3 in ``steps``, the dry run, the run and undo in
``run``."""
