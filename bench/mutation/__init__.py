"""Mutation testing of the pure modules: `python -m bench.mutation [module ...]`."""
