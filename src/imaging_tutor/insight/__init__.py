"""What learners need, for staff: per-section activity, content gaps (questions the course could not serve,
grouped by meaning) and the most missed quiz items. Learners appear only as pseudonyms."""
