"""API load: requests/s and p50/p95/p99 latency of chat turns and quiz answers over HTTP, for 1 vs 2 uvicorn
workers on the embedded stack (SQLite + Chroma PersistentClient) and the server stack (PostgreSQL + `chroma run`),
with the query embedded by the ONNX export and/or torch, beside the in-process answer throughput of the same cores,
in one run.

Run: .venv/bin/python bench/api_load.py [--seconds 10] [--clients 8] [--workers 1,2] [--stacks embedded,server]
                                        [--embedders onnx,torch] [--spread]
     [--limits on|off|off,on]   (on: rate limits counted, in memory on the embedded stack and in a local
     redis-server on the server stack, with limits too high to refuse anything: the column shows their cost)
Everything runs on loopback in a temp dir: the course is embedded once (the real model), the server stack reuses
those vectors; PostgreSQL comes from Debian's package (`bash scripts/system-deps.sh`), started as the `postgres`
user when run as root. Each cell: a fresh `imaging-tutor serve --workers N`, warmed up, then `--clients` threads
ask chat questions (learner sessions: every turn is written) for `--seconds`, then answer course-quiz items for
`--seconds`. Chat questions are drawn without repeats from the labelled question files (evals/sets and
evals/calibration, ~2,000), so nearly every request embeds a question the process has not seen, as real traffic
does (the embedder's vector cache would otherwise answer from memory). The in-process rows run as many processes
as there are CPUs, each answering the same question stream back to back with `tutor.answer()`: once bare (the
yardstick: "API/in-process" divides a chat row's req/s by it) and once in a learner session with every turn written,
as POST /chat does (what is left between the two is HTTP, routing and serialisation). Only successful requests
count towards the latencies; failures are reported in their own column. "client CPU" is the load generator's own
share of the cores during a cell (its threads run on the same cores as the server). "core ms/req" is CPU time per
request: for an API cell, everything the machine spent outside idle during the cell less the load generator's own
CPU, divided by the requests answered (so other load on the machine counts against it: run it on a quiet machine);
for an in-process row, the answerers' own CPU time (all their threads) per answer. Their difference is what HTTP,
routing, serialisation and the learner's session cost per request.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Sequence

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "ai-in-medical-imaging"
BIN = Path(sys.executable).parent
LEARNER_SECRET = "bench-learner-secret-" + "x7Qp2Lm9Rt4Vw8Zk3Nb6Hc1Jd5Fg0Sa"  # signs the clients' learner tokens
NEVER_REACHED = {f"TUTOR_RATE_LIMIT_{name}": "100000000/minute"
                 for name in ("CHAT", "SESSIONS", "FEEDBACK", "QUIZ_ANSWERS", "NEW_LEARNERS", "PER_ADDRESS")}


def question_pool() -> list[str]:
    """Every distinct learner question of the labelled files, in a fixed shuffled order."""
    import random

    seen: dict[str, None] = {}
    for path in sorted([*(ROOT / "evals" / "sets").glob("*.jsonl"), *(ROOT / "evals" / "calibration").glob("*.jsonl")]):
        for line in path.read_text().splitlines():
            if line.strip():
                q = json.loads(line).get("question", "").strip()
                if q and len(q) <= 2000:
                    seen[q] = None
    pool = list(seen)
    random.Random(16).shuffle(pool)
    return pool


QUESTIONS = question_pool()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:3]} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=10).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not ready within {timeout:.0f} s")


class Postgres:
    """A throwaway cluster: initdb + pg_ctl on a free loopback port (as the postgres user when we are root)."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
        if not found:
            raise SystemExit("PostgreSQL not installed: run `sudo bash scripts/system-deps.sh`")
        self.bin = Path(found[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            pwd.getpwnam("postgres")
            shutil.chown(self.root, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        run = lambda *a: subprocess.run([*self.as_user, *a], check=True, capture_output=True, cwd=self.root)  # noqa: E731
        run(str(self.bin / "initdb"), "-D", str(self.root / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8",
            "--locale=C", "--no-sync")
        # durable settings (fsync on): the numbers should be what a deployment would see
        run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-l", str(self.root / "log"), "-w", "-o",
            f"-h 127.0.0.1 -p {self.port} -k {self.root} -c max_connections=200", "start")
        self._run = run

    def create(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


class CopiedVectors:
    """An embedder that hands back the vectors a first ingest stored (same text, same model), so the second
    stack is not embedded again; any text it has not seen goes to the real model."""

    def __init__(self, real, services) -> None:
        from imaging_tutor.index.ingest import current_collection

        self.real, self.name, self.dim = real, real.name, real.dim
        data = services.store.get_all(current_collection(services.db, "ai-in-medical-imaging"))
        self.by_key = {m["content_key"]: np.asarray(e, dtype=np.float32)
                       for m, e in zip(data["metadatas"], data["embeddings"])}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        from imaging_tutor.index.ingest import content_key

        out = []
        for t in texts:
            vec = self.by_key.get(content_key("chunk", t))
            if vec is None:
                vec = self.by_key.get(content_key("sentence", t))
            out.append(vec if vec is not None else self.real.embed([t])[0])
        return np.stack(out) if out else np.zeros((0, self.dim), dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return self.real.count_tokens(text)


def question_for(client: int, n: int, clients: int) -> str:
    """Client `client`'s n-th question: the clients walk disjoint stretches of the pool."""
    return QUESTIONS[(client * len(QUESTIONS) // clients + n) % len(QUESTIONS)]


def inprocess_child(seconds: float, index: int, clients: int, stored: bool) -> None:
    """One in-process answerer (runs in its own process with the cell's environment): warm up, say ready, wait
    for "go" on stdin, answer back to back for `seconds` (in a learner session when `stored`), print the latencies
    as JSON."""
    from imaging_tutor.config import get_settings
    from imaging_tutor.services import Services
    from imaging_tutor.tutor import pipeline as tutor

    services = Services(get_settings())
    who = f"inproc-{index}-{int(time.time())}"
    session = tutor.new_session(services, learner_id=who) if stored else None
    for q in ("What is PPV?", "What is a CT scanner?"):
        tutor.answer(services, q, session_id=session, learner_id=who)
    print("ready", flush=True)
    sys.stdin.readline()
    latencies: list[float] = []
    end = time.monotonic() + seconds
    n = 0
    cpu0 = time.process_time()  # every thread of this answerer (the embedder's side-by-side prefetch included)
    while time.monotonic() < end:
        n += 1
        t0 = time.perf_counter()
        tutor.answer(services, question_for(index, n, clients), session_id=session, learner_id=who)
        latencies.append(time.perf_counter() - t0)
    rss = int(Path("/proc/self/status").read_text().split("VmRSS:")[1].split()[0])
    print(json.dumps({"latencies": latencies, "rss_mb": round(rss / 1024), "cpu_s": time.process_time() - cpu0}),
          flush=True)
    services.close()


def inprocess(env: dict[str, str], seconds: float, stored: bool) -> dict:
    """Answers/s of os.cpu_count() in-process answerers started together (the cores' own throughput); `stored`:
    each in a learner session, its turns written as POST /chat writes them."""
    n = os.cpu_count() or 1
    procs = [subprocess.Popen([sys.executable, __file__, "--inprocess-child", str(i), "--seconds", str(seconds),
                               "--clients", str(n), *(["--stored"] if stored else [])], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True) for i in range(n)]
    for proc in procs:
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("an in-process answerer failed to start")
    t0 = time.monotonic()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = [json.loads(proc.stdout.readline()) for proc in procs]
    wall = time.monotonic() - t0
    latencies = [x for r in results for x in r["latencies"]]
    rss = max(r["rss_mb"] for r in results)
    for proc in procs:
        proc.wait(timeout=60)
    ms = np.asarray(latencies) * 1000
    return {"op": "in-process answer" + (" + stored turn" if stored else ""), "requests": len(latencies), "failed": 0,
            "rps": round(len(latencies) / wall, 1), "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1), "p99_ms": round(float(np.percentile(ms, 99)), 1),
            "cpu_ms": round(sum(r["cpu_s"] for r in results) * 1000 / max(1, len(latencies)), 1), "rss_mb": rss}


def serve(env: dict[str, str], workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    fh = open(log, "wb")
    proc = subprocess.Popen([str(BIN / "imaging-tutor"), "serve", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers), "--log-level", "warning"],
                            env=env, stdout=fh, stderr=subprocess.STDOUT)
    fh.close()
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/readyz", 300, proc)
    # the first question of each worker loads the embedding model: pay that before measuring
    warm = [threading.Thread(target=lambda: httpx.post(f"{url}/api/v1/chat", json={"message": "What is PPV?"},
                                                       timeout=300)) for _ in range(2 * workers)]
    for t in warm:
        t.start()
    for t in warm:
        t.join()
    return proc, url


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def load(url: str, op: str, seconds: float, clients: int, keys: dict[str, str], tag: str, spread: bool = False
         ) -> dict:
    """`clients` threads, each with its own connection, doing `op` back to back for `seconds`; `spread`: a new
    connection per request, so a conversation's turns land on any worker (as behind a load balancer) instead of
    the one its connection is held by."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    end_at = [0.0]

    def client(i: int) -> None:
        nonlocal failures
        from imaging_tutor.api.auth import Tokens, learner_token

        who = f"{tag}-{op}-{i}"
        headers = {"Authorization": f"Bearer {learner_token(Tokens(None, None, LEARNER_SECRET), who)}"}
        mine: list[float] = []
        bad = 0
        limits = httpx.Limits(max_keepalive_connections=0) if spread else httpx.Limits()
        with httpx.Client(base_url=url, timeout=120, headers=headers, limits=limits) as c:
            queue: list[dict] = []
            sid = None
            n = 0
            start.wait()
            while time.monotonic() < end_at[0]:
                n += 1
                if op == "chat":
                    body = {"message": question_for(i, n, clients), "session_id": f"{who}-s"}
                    t0 = time.perf_counter()
                    r = c.post("/api/v1/chat", json=body)
                else:
                    if not queue:  # a new course-quiz session: not timed, only its answers are
                        s = c.post("/api/v1/quiz-sessions", json={"mode": "course", "chapter": 4})
                        if s.status_code != 201:
                            bad += 1
                            continue
                        sid, queue = s.json()["id"], [s.json()["next"]]
                    item = queue.pop()
                    response = keys[item["id"]] if n % 3 else item["options"][0]
                    t0 = time.perf_counter()
                    r = c.post(f"/api/v1/quiz-sessions/{sid}/answers", json={"item_id": item["id"],
                                                                             "response": response})
                    if r.status_code == 200 and r.json().get("next"):
                        queue.append(r.json()["next"])
                if r.status_code == 200:
                    mine.append(time.perf_counter() - t0)
                else:
                    bad += 1
        with lock:
            latencies.extend(mine)
            failures += bad

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    end_at[0] = time.monotonic() + seconds
    t0 = time.monotonic()
    cpu0 = time.process_time()
    busy0 = busy_seconds()
    start.wait()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    client_cpu = time.process_time() - cpu0  # the load generator's own threads, on the same cores as the server
    server_cpu = busy_seconds() - busy0 - client_cpu  # what the rest of the machine (the server) spent meanwhile
    ms = np.asarray(latencies) * 1000
    pct = lambda q: round(float(np.percentile(ms, q)), 1) if len(ms) else float("nan")  # noqa: E731
    return {"op": op, "requests": len(latencies), "failed": failures, "rps": round(len(latencies) / wall, 1),
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "cpu_ms": round(server_cpu * 1000 / len(latencies), 1) if latencies else float("nan"),
            "client_cpu": f"{client_cpu / (wall * (os.cpu_count() or 1)):.0%}"}


def busy_seconds() -> float:
    """CPU time the whole machine has spent not idle since boot (all cores, /proc/stat), in seconds."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def worker_rss_mb(root_pid: int) -> float:
    """Largest resident set among the server process and its descendants (the uvicorn workers), in MB."""
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, grew = {root_pid}, True
    while grew:
        new = {pid for pid, pp in parent.items() if pp in tree} - tree
        tree |= new
        grew = bool(new)
    best = 0
    for pid in tree:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    best = max(best, int(line.split()[1]))
        except OSError:
            continue
    return round(best / 1024, 0)


def print_table(rows: list[dict]) -> None:
    cols = [("stack", "<"), ("embedder", "<"), ("workers", ">"), ("limits", "<"), ("op", "<"), ("requests", ">"),
            ("failed", ">"), ("rps", ">"), ("ratio", ">"), ("p50_ms", ">"), ("p95_ms", ">"), ("p99_ms", ">"),
            ("cpu_ms", ">"), ("client_cpu", ">"), ("rss_mb", ">")]
    heads = {"rps": "req/s", "ratio": "API/in-process", "p50_ms": "p50 ms", "p95_ms": "p95 ms", "p99_ms": "p99 ms",
             "cpu_ms": "core ms/req", "client_cpu": "client CPU", "rss_mb": "max RSS/worker MB"}
    cells = [[str(r.get(k, "")) for k, _ in cols] for r in rows]
    widths = [max(len(heads.get(k, k)), *(len(c[i]) for c in cells)) for i, (k, _) in enumerate(cols)]
    line = lambda vals: "| " + " | ".join(f"{v:{a}{w}}" for v, w, (_, a) in zip(vals, widths, cols)) + " |"  # noqa: E731
    print(line([heads.get(k, k) for k, _ in cols]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells:
        print(line(c))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=10.0, help="measuring time per operation and cell")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients (threads, one connection each)")
    p.add_argument("--workers", default="1,2", help="comma-separated uvicorn worker counts")
    p.add_argument("--stacks", default="embedded,server", help="embedded and/or server")
    p.add_argument("--limits", default="on", help="on, off, or off,on: rate limits counted (never reached) or not")
    p.add_argument("--embedders", default="onnx", help="onnx and/or torch: the query embedder of the API workers")
    p.add_argument("--spread", action="store_true",
                   help="a new connection per request: a conversation's turns land on any worker")
    p.add_argument("--json", action="store_true", help="print the rows as JSON too")
    p.add_argument("--inprocess-child", type=int, help=argparse.SUPPRESS)  # internal: one in-process answerer
    p.add_argument("--stored", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.inprocess_child is not None:
        inprocess_child(args.seconds, args.inprocess_child, args.clients, args.stored)
        return 0
    for k, v in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}.items():
        os.environ.setdefault(k, v)
    from imaging_tutor.config import Settings
    from imaging_tutor.corpus.course import load_course
    from imaging_tutor.index.embedding import CachingEmbedder, SentenceTransformerEmbedder
    from imaging_tutor.index.ingest import ingest
    from imaging_tutor.index.onnx_export import ensure_export
    from imaging_tutor.quiz import course_items
    from imaging_tutor.services import Services

    stacks = [s.strip() for s in args.stacks.split(",") if s.strip()]
    workers = [int(w) for w in args.workers.split(",")]
    embedders = [e.strip() for e in args.embedders.split(",") if e.strip()]
    root = Path(tempfile.mkdtemp(prefix="bench-api-"))
    pg = chroma = redis = None
    rows: list[dict] = []
    try:
        base = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
        base.update({"TUTOR_CORPUS_DIR": str(CORPUS), "TUTOR_LEARNER_SECRET": LEARNER_SECRET, **NEVER_REACHED,
                     "TOKENIZERS_PARALLELISM": "false", "TUTOR_ONNX_DIR": str(root / "onnx")})
        t = time.perf_counter()
        model = CachingEmbedder(SentenceTransformerEmbedder())
        embedded = Services(Settings(data_dir=root / "embedded", corpus_dir=CORPUS), embedder=model)
        ingest(embedded)
        ensure_export(Settings(data_dir=root, onnx_dir=root / "onnx"), model.inner)
        print(f"embedded stack ingested and the model exported in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        envs = {"embedded": {**base, "TUTOR_DATA_DIR": str(root / "embedded")}}
        if "server" in stacks:
            pg = Postgres()
            chroma_port = free_port()
            chroma_log = open(root / "chroma.log", "wb")
            chroma = subprocess.Popen([str(BIN / "chroma"), "run", "--path", str(root / "chroma"), "--host",
                                       "127.0.0.1", "--port", str(chroma_port)], stdout=chroma_log,
                                      stderr=subprocess.STDOUT)
            wait_http(f"http://127.0.0.1:{chroma_port}/api/v2/heartbeat", 60, chroma)
            server = Settings(data_dir=root / "server", corpus_dir=CORPUS, database_url=pg.create("bench"),
                              chroma_host="127.0.0.1", chroma_port=chroma_port)
            ingest(Services(server, embedder=CopiedVectors(model, embedded)))
            envs["server"] = {**base, "TUTOR_DATA_DIR": str(root / "server"),
                              "TUTOR_DATABASE_URL": server.database_url, "TUTOR_CHROMA_HOST": "127.0.0.1",
                              "TUTOR_CHROMA_PORT": str(chroma_port)}
        limit_modes = [m.strip() for m in args.limits.split(",") if m.strip()]
        if "server" in stacks and "on" in limit_modes:  # the server stack counts its limits in Redis
            redis_exe = shutil.which("redis-server")
            if redis_exe is None:
                raise SystemExit("redis-server not installed: run `sudo bash scripts/system-deps.sh`")
            redis_port = free_port()
            redis = subprocess.Popen([redis_exe, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no"], stdout=subprocess.DEVNULL)
            envs["server"]["TUTOR_RATE_LIMIT_STORAGE"] = f"redis://127.0.0.1:{redis_port}/0"
        keys = {it.id: it.answer for it in course_items(CORPUS, load_course(CORPUS), chapter=4)}
        for stack in stacks:
            for embedder in embedders:
                env = {**envs[stack], "TUTOR_EMBEDDER": embedder}
                # The yardstick is the bare answer (as bench/answer.py times it): the turn's storage counts as overhead.
                base_row = inprocess(env, args.seconds, stored=False)
                stored_row = inprocess(env, args.seconds, stored=True)
                for row in (base_row, stored_row):
                    rows.append({"stack": stack, "embedder": embedder, "workers": os.cpu_count(), **row})
                    print(f"{stack} {embedder} {row['op']}: {row['rps']} answers/s", file=sys.stderr)
                for n, mode in [(n, m) for n in workers for m in limit_modes]:
                    tag = f"{stack}-{embedder}-{n}w-{mode}-{int(time.time())}"
                    cell_env = {**env, "TUTOR_RATE_LIMITS_ENABLED": "true" if mode == "on" else "false"}
                    proc, url = serve(cell_env, n, root / f"api-{stack}-{embedder}-{n}-{mode}.log")
                    try:
                        for op in ("chat", "quiz answer"):
                            row = load(url, "chat" if op == "chat" else "quiz", args.seconds, args.clients, keys, tag,
                                       spread=args.spread)
                            row = {"stack": stack, "embedder": embedder, "workers": n, "limits": mode, **row, "op": op,
                                   "rss_mb": worker_rss_mb(proc.pid)}
                            if op == "chat":
                                row["ratio"] = round(row["rps"] / base_row["rps"], 2)
                            rows.append(row)
                            print(f"{stack} {embedder} {n}w limits {mode} {op}: {row['rps']} req/s, "
                                  f"p95 {row['p95_ms']} ms",
                                  file=sys.stderr)
                    finally:
                        stop(proc)
    finally:
        if redis is not None:
            redis.terminate()
            redis.wait(timeout=30)
        if chroma is not None:
            chroma.terminate()
            chroma.wait(timeout=30)
        if pg is not None:
            pg.stop()
        shutil.rmtree(root, ignore_errors=True)

    print(f"API load on {os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f}), {args.clients} clients, "
          f"{args.seconds:g} s per operation and cell; latencies of successful requests")
    print_table(rows)
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
