"""The shapes of ids clients send, in one place: every layer (API, quiz, conversations) checks the same pattern."""
from __future__ import annotations

import re

LEARNER_ID_PATTERN = r"^[A-Za-z0-9_.@-]{1,100}$"
SESSION_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"
LEARNER_ID = re.compile(LEARNER_ID_PATTERN)
SESSION_ID = re.compile(SESSION_ID_PATTERN)
