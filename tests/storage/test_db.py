"""Opening the database: a database already at the newest migration is used without importing Alembic."""
from __future__ import annotations

import json
import subprocess
import sys

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from imaging_tutor.storage.db import MIGRATIONS, Database, head_revision


def test_head_revision_is_alembics_head():
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(cfg).get_current_head()


def _open_in_a_new_process(url: str) -> dict:
    probe = ("import json, sys\n"
             "from sqlalchemy import text\n"
             "from imaging_tutor.storage.db import Database\n"
             f"db = Database({url!r})\n"
             "with db.engine.connect() as c:\n"
             "    version = c.execute(text('SELECT version_num FROM alembic_version')).scalar()\n"
             "print(json.dumps({'version': version, 'alembic': 'alembic' in sys.modules}))\n")
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_a_new_database_is_migrated_and_a_migrated_one_is_opened_without_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'tutor.db'}"
    assert _open_in_a_new_process(url) == {"version": head_revision(), "alembic": True}  # created: migrated
    assert _open_in_a_new_process(url) == {"version": head_revision(), "alembic": False}  # at head: left alone
    with Database(url).scope() as s:  # and it is a working database
        assert s.execute(text("SELECT count(*) FROM chat_sessions")).scalar() == 0
