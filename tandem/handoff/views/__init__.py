"""The hand-off's pages, one module per page: ``leads`` (sales' answer, one lead),
``service_levels``, ``reports`` (lifecycle, feedback), ``setup`` (rules and settings),
``scoring_model`` and ``reps``. ``urls`` names each view by its module."""
