"""Grounding evals: fixed question sets run through `tutor.answer()`, scored offline, gated against floors and a baseline."""
