"""Mutation testing of the pure modules: `python -m tools.mutation [module ...]`."""
