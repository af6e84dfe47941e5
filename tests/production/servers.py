"""Real servers for the production-path tests: a PostgreSQL cluster, a `chroma run` server and the API under
uvicorn with several workers, each started on a free loopback port and stoppable/restartable by the tests."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PG_USER = "postgres"  # Debian's postgresql package creates it; initdb refuses to run as root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin that has initdb and pg_ctl."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def ensure_postgres() -> Path:
    """The PostgreSQL bin dir, installing Debian's package first when it is missing (needs root, like CI)."""
    bindir = pg_bindir()
    if bindir is None:
        subprocess.run(["bash", str(ROOT / "scripts" / "system-deps.sh")], check=False, timeout=900)
        bindir = pg_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL is not installed: run `sudo bash scripts/system-deps.sh` "
                           "(or apt-get install postgresql)")
    return bindir


class PostgresCluster:
    """initdb in a temp dir, pg_ctl start/stop on a loopback port; as root, everything runs as the postgres user."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="tutor-pg-"))  # not under pytest's 0700 tmp: postgres must read it
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                pwd.getpwnam(PG_USER)
            except KeyError:
                subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
                               check=True)
            shutil.chown(self.root, PG_USER)
            self._as_user = ["runuser", "-u", PG_USER, "--"]

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([*self._as_user, *args], capture_output=True, text=True, timeout=timeout,
                              cwd=self.root)

    def init(self) -> "PostgresCluster":
        """initdb: trust auth on loopback only (a throwaway test cluster), UTF-8, C locale."""
        r = self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                      "-E", "UTF8", "--locale=C", "--no-sync")
        if r.returncode:
            raise RuntimeError(f"initdb failed:\n{r.stdout}\n{r.stderr}")
        return self

    def start(self) -> "PostgresCluster":
        # fsync off: a test cluster on a shared machine; every stop in these tests is a clean shutdown.
        opts = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c max_connections=200"
        r = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", opts,
                      "-w", "-t", "60", "start")
        if r.returncode:
            raise RuntimeError(f"pg_ctl start failed:\n{r.stdout}\n{r.stderr}\n{self.tail()}")
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "status").returncode == 0

    def tail(self, n: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE DATABASE needs that)."""
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database,
                             autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    def create_database(self, name: str, template: str | None = None) -> str:
        self.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def cleanup(self) -> None:
        if self.data.exists() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class _ChildServer:
    """A server child process with its log file: stopped politely, killed if it will not go."""

    proc: subprocess.Popen | None
    log: Path

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def tail(self, n: int = 2000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""


class ChromaProcess(_ChildServer):
    """`chroma run` on a fixed path and port, so a test can stop it and start it again where it was."""

    def __init__(self, path: Path, port: int | None = None):
        self.path = path
        self.port = port or free_port()
        self.log = path.parent / f"chroma-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        exe = Path(sys.executable).with_name("chroma")
        fh = open(self.log, "ab")
        self.proc = subprocess.Popen([str(exe), "run", "--path", str(self.path), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=fh, stderr=subprocess.STDOUT)
        fh.close()
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"chroma exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=2).raise_for_status()
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"chroma did not answer within {timeout} s:\n{self.tail()}") from None
                time.sleep(0.2)



def ensure_redis() -> Path:
    """redis-server, installing Debian's package first when it is missing (needs root, like CI)."""
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
    if found is None:
        subprocess.run(["bash", str(ROOT / "scripts" / "system-deps.sh")], check=False, timeout=900)
        found = shutil.which("redis-server")
    if found is None:
        raise RuntimeError("redis-server is not installed: run `sudo bash scripts/system-deps.sh` "
                           "(or apt-get install redis-server)")
    return Path(found)


class RedisProcess(_ChildServer):
    """A throwaway `redis-server` on a loopback port: no persistence, no protected-mode surprises."""

    def __init__(self, exe: Path, root: Path):
        self.exe = exe
        self.root = root
        self.port = free_port()
        self.log = root / f"redis-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 30) -> "RedisProcess":
        self.root.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([str(self.exe), "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.root),
                                      "--logfile", str(self.log)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not answer within {timeout} s:\n{self.tail()}")
            time.sleep(0.1)



def server_env(settings_env: dict[str, str]) -> dict[str, str]:
    """This process's environment without any TUTOR_* of the shell, plus the given settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
                "PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1"})
    env.update(settings_env)
    return env


class ApiProcess:
    """`imaging-tutor serve --workers N` as a child process; its log (stdout + stderr) goes to a file."""

    def __init__(self, env: dict[str, str], cwd: Path, workers: int = 2, log_level: str = "info"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.log = cwd / f"api-{self.port}.log"
        exe = Path(sys.executable).with_name("imaging-tutor")
        with open(self.log, "wb") as fh:
            self.proc = subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                                          "--workers", str(workers), "--log-level", log_level],
                                         env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 300, warm: bool = True) -> None:
        """Until /readyz says ready several times in a row (the kernel spreads connections over the workers)."""
        deadline = time.monotonic() + timeout
        streak = 0
        while streak < 6:
            if self.proc.poll() is not None:
                raise RuntimeError(f"API exited with {self.proc.returncode}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"API not ready within {timeout} s:\n{self.tail()}")
            try:
                ok = httpx.get(f"{self.url}/readyz", timeout=30).status_code == 200
            except httpx.HTTPError:
                ok = False
            streak = streak + 1 if ok else 0
            time.sleep(0.1 if ok else 0.5)
        if not warm:
            return
        # /readyz does not wait for the embedding model; a few questions at once make every worker load it now.
        from concurrent.futures import ThreadPoolExecutor

        def ask(_):
            return httpx.post(f"{self.url}/api/v1/chat", json={"message": "What is sensitivity?"},
                              timeout=max(30.0, deadline - time.monotonic())).status_code

        with ThreadPoolExecutor(2 * self.workers) as pool:
            codes = list(pool.map(ask, range(2 * self.workers)))
        if codes != [200] * len(codes):
            raise RuntimeError(f"warm-up questions failed: {codes}\n{self.tail()}")

    def worker_pids(self) -> list[int]:
        """The uvicorn worker processes (multiprocessing spawn children of the supervisor)."""
        pids = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                fields = Path(stat).read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) != self.proc.pid:
                    continue
                pid = int(Path(stat).parent.name)
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            except (OSError, ValueError, IndexError):
                continue
            if b"spawn_main" in cmd:
                pids.append(pid)
        return sorted(pids)

    def tail(self, n: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
