"""The torch-free core: suites and their schema, pairs, splits, protocols, scoring, metrics and predictors.

It imports nothing else of ours; every other part builds on it."""
