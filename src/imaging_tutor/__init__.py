"""imaging-tutor: a retrieval-grounded tutor for an imaging-AI course."""
