"""The multi-node topology of docs/deployment.md, started on loopback ports in one temporary folder and stopped
again: PostgreSQL primary + streaming replica (``pg_basebackup -R``), pgbouncer (transaction pooling) in front of
both, Redis, SeaweedFS (S3), two gunicorn app nodes, nginx balancing them, and two Celery workers (the pdf queue;
every other queue). Each piece is the Debian or PyPI program production runs, with the settings production uses
(only the Django settings module is the tests', for its fast password hasher and no collectstatic)."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
S3_KEY, S3_SECRET = "academy-test-key", "academy-test-secret-not-secret"
PROGRAMS = {"initdb": PG_BIN / "initdb", "pg_ctl": PG_BIN / "pg_ctl", "pg_basebackup": PG_BIN / "pg_basebackup",
            "pgbouncer": "pgbouncer", "nginx": "nginx", "redis-server": "redis-server",
            "weed": Path(sys.executable).parent / "weed"}


def missing_programs() -> list[str]:
    found = {name: Path(p).exists() if Path(p).is_absolute() else shutil.which(p) or shutil.which(p, path="/usr/sbin")
             for name, p in PROGRAMS.items()}
    return [name for name, ok in found.items() if not ok]


def program(name: str) -> str:
    path = PROGRAMS[name]
    return str(path) if Path(path).is_absolute() else (shutil.which(path) or shutil.which(path, path="/usr/sbin"))


def free_port() -> int:
    """A free port whose +10000 is free too (SeaweedFS listens for gRPC there)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 55000:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port + 10000))
                except OSError:
                    continue
            return port


def wait_until(predicate, timeout: float, what: str, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = predicate()
        except Exception:  # noqa: BLE001 — not up yet
            result = None
        if result:
            return result
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s\n{tail}")


def http_up(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=3)  # noqa: S310 — loopback only
    except urllib.error.HTTPError:
        return True  # it answered
    return True


class Topology:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="academy-scale-"))
        self.dir.chmod(0o755)  # PostgreSQL and pgbouncer run as postgres and must reach their folders
        self.processes: dict[str, subprocess.Popen] = {}
        self.ports = {name: free_port() for name in
                      ("primary", "replica", "pgbouncer", "redis", "s3", "master", "volume", "filer", "node1",
                       "node2", "nginx")}
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    # --- environment of every Django process

    def django_env(self, **extra) -> dict:
        p = self.ports
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "CACHE_", "AWS_", "STORAGE_", "PRIVATE_"))}
        return {
            **base,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{p['pgbouncer']}/academy",
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{p['pgbouncer']}/academy_replica",
            "DATABASE_POOLER": "pgbouncer", "CONN_MAX_AGE": "60",
            "CACHE_URL": f"redis://127.0.0.1:{p['redis']}/1",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{p['redis']}/0", "CELERY_TASK_ALWAYS_EAGER": "false",
            "STORAGE_BACKEND": "s3", "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{p['s3']}",
            "AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET,
            "AWS_STORAGE_BUCKET_NAME": "media", "AWS_PRIVATE_BUCKET_NAME": "private",
            "AWS_S3_CUSTOM_DOMAIN": f"127.0.0.1:{p['nginx']}/media", "AWS_S3_URL_PROTOCOL": "http:",
            "PRIVATE_FILES_PROXY": "signed-url", "PRIVATE_URL_SECONDS": "60",
            "CLIENT_IP_HEADER": "HTTP_X_REAL_IP", "AXES_ENABLED": "true",
            "SMS_BACKEND": "people.sms.ConsoleBackend", "EMAIL_URL": "consolemail://",
            "WAGTAILADMIN_BASE_URL": f"http://127.0.0.1:{p['nginx']}",
            "MEDIA_ROOT": str(self.dir / "no-media"), "PRIVATE_MEDIA_ROOT": str(self.dir / "no-private"),
            **extra,
        }

    # --- starting and stopping

    def spawn(self, name: str, command: list[str], env: dict | None = None, cwd: Path = ROOT) -> subprocess.Popen:
        log = open(self.dir / f"{name}.log", "w")  # noqa: SIM115 — the process writes to it until it stops
        process = subprocess.Popen(command, env=env or os.environ.copy(), cwd=cwd, stdout=log,  # noqa: S603
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = process
        return process

    def run(self, command: list[str], **kwargs) -> str:
        done = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)  # noqa: S603
        if done.returncode:
            raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
        return done.stdout

    def log(self, name: str) -> str:
        path = self.dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> "Topology":
        self._start_seaweedfs()  # slowest to come up: first, it starts while PostgreSQL initialises
        self._start_redis()
        self._start_postgresql()
        self._start_pgbouncer()
        wait_until(lambda: http_up(f"http://127.0.0.1:{self.ports['s3']}/"), 60, "SeaweedFS S3",
                   self.dir / "seaweedfs.log")
        self._create_buckets()
        return self

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        for cluster in ("replica", "primary"):
            if (self.dir / cluster / "postmaster.pid").exists():
                subprocess.run([*self.as_postgres, program("pg_ctl"), "-D", str(self.dir / cluster), "-m",  # noqa: S603
                                "immediate", "-w", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- the pieces

    def _start_seaweedfs(self) -> None:
        p = self.ports
        config = self.dir / "s3.json"
        config.write_text(json.dumps({"identities": [
            # Anyone may read public media (page images, course documents); nobody reads personal files unsigned.
            {"name": "anonymous", "actions": ["Read:media"]},
            {"name": "academy", "credentials": [{"accessKey": S3_KEY, "secretKey": S3_SECRET}],
             "actions": ["Admin", "Read", "List", "Tagging", "Write"]},
        ]}))
        (self.dir / "weed").mkdir()
        self.spawn("seaweedfs", [
            program("weed"), "server", f"-dir={self.dir / 'weed'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={p['master']}", f"-volume.port={p['volume']}", f"-filer.port={p['filer']}",
            "-s3", f"-s3.port={p['s3']}", f"-s3.config={config}", "-master.volumeSizeLimitMB=64",
            # S3 only: no Iceberg or Lance catalogue, no IAM API, no profiler (each would take a fixed port)
            "-s3.port.iceberg=0", "-s3.port.lance=0", "-iam=false", "-debug=false"])

    def _create_buckets(self) -> None:
        import boto3
        from botocore.config import Config

        client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{self.ports['s3']}", aws_access_key_id=S3_KEY,
                              aws_secret_access_key=S3_SECRET, region_name="us-east-1",
                              config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"))
        for bucket in ("media", "private"):
            wait_until(lambda b=bucket: client.create_bucket(Bucket=b), 30, f"bucket {bucket}",
                       self.dir / "seaweedfs.log")
        self.s3 = client

    def _start_redis(self) -> None:
        self.spawn("redis", [program("redis-server"), "--bind", "127.0.0.1", "--port", str(self.ports["redis"]),
                             "--save", "", "--appendonly", "no", "--dir", str(self.dir)])
        wait_until(lambda: socket.create_connection(("127.0.0.1", self.ports["redis"]), 1), 20, "Redis")

    def _postgres(self, *command, **kwargs) -> str:
        return self.run([*self.as_postgres, *map(str, command)], **kwargs)

    def _start_postgresql(self) -> None:
        primary, replica = self.dir / "primary", self.dir / "replica"
        for folder in (primary, replica, self.dir / "pgbouncer"):
            folder.mkdir(mode=0o700)
            if self.as_postgres:
                shutil.chown(folder, "postgres")
        self._postgres(program("initdb"), "-D", primary, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                       "--no-locale", "--no-sync")
        with open(primary / "postgresql.conf", "a") as conf:
            # A test cluster: speed over durability. wal_level=replica and wal senders are PostgreSQL 15's defaults.
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {self.ports['primary']}\n"
                       f"unix_socket_directories = '{primary}'\nfsync = off\nfull_page_writes = off\n"
                       "synchronous_commit = off\nmax_connections = 60\nshared_buffers = 32MB\n")
        self._postgres(program("pg_ctl"), "-D", primary, "-l", primary / "server.log", "-w", "start")
        self.psql("primary", "postgres", "CREATE DATABASE academy")
        # Django's connections speak UTC; as the database's default, no connection needs a SET that pgbouncer's
        # transaction pooling could lose.
        self.psql("primary", "postgres", "ALTER DATABASE academy SET timezone TO 'UTC'")
        # The replica: a copy of the primary that follows its WAL stream (-R writes standby.signal and the
        # primary_conninfo), serving read-only queries (hot_standby is on by default).
        self._postgres(program("pg_basebackup"), "-h", "127.0.0.1", "-p", self.ports["primary"], "-U", "postgres",
                       "-D", replica, "-R", "-X", "stream", "--no-sync",
                       "--checkpoint=fast")  # not a spread checkpoint: that waits minutes
        self._postgres(program("pg_ctl"), "-D", replica, "-l", replica / "server.log", "-w", "-o",
                       f"-p {self.ports['replica']} -k {replica}", "start")

    def psql(self, cluster: str, database: str, sql: str, params: tuple = ()):
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.ports[cluster], user="postgres", dbname=database,
                             autocommit=True) as connection:
            cursor = connection.execute(sql, params or None)
            return cursor.fetchall() if cursor.description else ""

    def _start_pgbouncer(self) -> None:
        folder, p = self.dir / "pgbouncer", self.ports
        (folder / "userlist.txt").write_text('"postgres" ""\n')
        (folder / "pgbouncer.ini").write_text(f"""[databases]
academy = host=127.0.0.1 port={p['primary']} dbname=academy
academy_replica = host=127.0.0.1 port={p['replica']} dbname=academy

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {p['pgbouncer']}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/userlist.txt
pool_mode = transaction
max_client_conn = 400
default_pool_size = 20
ignore_startup_parameters = extra_float_digits,options
logfile = {folder}/pgbouncer.log
""")
        if self.as_postgres:
            for path in folder.iterdir():
                shutil.chown(path, "postgres")
        self.spawn("pgbouncer", [*self.as_postgres, program("pgbouncer"), str(folder / "pgbouncer.ini")])
        wait_until(lambda: socket.create_connection(("127.0.0.1", p["pgbouncer"]), 1), 20, "pgbouncer",
                   self.dir / "pgbouncer.log")

    def manage(self, *arguments, env: dict | None = None) -> str:
        return self.run([sys.executable, "manage.py", *arguments], env=env or self.django_env(), cwd=ROOT)

    def action(self, name: str, **arguments) -> dict:
        out = self.run([sys.executable, "-m", "tests.scale.actions", name, json.dumps(arguments)],
                       env=self.django_env(), cwd=ROOT)
        return json.loads(out.strip().splitlines()[-1])

    def migrate(self) -> None:
        # Migrations run on the primary directly (a deployment step, not app traffic); the replica follows.
        direct = self.django_env(DATABASE_URL=f"postgres://postgres@127.0.0.1:{self.ports['primary']}/academy",
                                 DATABASE_POOLER="", DATABASE_REPLICA_URL="")
        self.manage("migrate", "--no-input", "-v", "0", env=direct)

    def start_node(self, name: str) -> subprocess.Popen:
        port = self.ports[name]
        process = self.spawn(name, [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
                                    "--workers", "1", "--threads", "4", "--timeout", "60"], env=self.django_env())
        return process

    def wait_for_node(self, name: str) -> None:
        wait_until(lambda: http_up(f"http://127.0.0.1:{self.ports[name]}/accounts/login/"), 90, name,
                   self.dir / f"{name}.log")

    def start_workers(self) -> None:
        # Separate workers by kind: PDFs on one, everything else (messages first among them) on another.
        common = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--without-gossip",
                  "--without-mingle", "--without-heartbeat", "-l", "INFO"]
        self.spawn("worker-pdf", [*common, "-Q", "pdf", "-n", "pdf@%h"], env=self.django_env())
        self.spawn("worker-other", [*common, "-Q", "messages,celery,notices,dashboard,imports", "-n", "other@%h"],
                   env=self.django_env())
        for name in ("worker-pdf", "worker-other"):
            wait_until(lambda n=name: "ready." in self.log(n), 60, name, self.dir / f"{name}.log")

    def start_nginx(self) -> None:
        p, folder = self.ports, self.dir / "nginx"
        folder.mkdir()
        user = "user root;\n" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(NGINX_CONF.format(
            user=user, dir=folder, port=p["nginx"], node1=p["node1"], node2=p["node2"], s3=p["s3"],
            private=self.dir / "no-private"))
        self.spawn("nginx", [program("nginx"), "-c", str(folder / "nginx.conf"), "-p", str(folder),
                             "-e", str(folder / "error.log")])
        wait_until(lambda: http_up(f"http://127.0.0.1:{p['nginx']}/accounts/login/"), 30, "nginx",
                   folder / "error.log")

    def kill(self, name: str) -> None:
        """SIGKILL a process group: no graceful shutdown, requests in flight die with it."""
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait(10)


# The proxy of docs/deployment.md, on loopback. proxy_next_upstream keeps nginx's default of not passing a
# non-idempotent request (POST: an answer, a submission) to another node once it was sent to one: a dead node's
# POST fails to the client (whose page saves it again) rather than risk running twice.
NGINX_CONF = """{user}worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
events {{ worker_connections 512; }}
http {{
  access_log {dir}/access.log;
  client_body_temp_path {dir}/client_body;
  proxy_temp_path {dir}/proxy;
  fastcgi_temp_path {dir}/fastcgi;
  uwsgi_temp_path {dir}/uwsgi;
  scgi_temp_path {dir}/scgi;
  upstream academy {{
    server 127.0.0.1:{node1} max_fails=1 fail_timeout=10s;
    server 127.0.0.1:{node2} max_fails=1 fail_timeout=10s;
  }}
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 25m;
    location / {{
      proxy_pass http://academy;
      proxy_set_header Host $http_host;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_connect_timeout 2s;
      proxy_read_timeout 60s;
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 2;
    }}
    location /media/ {{
      proxy_pass http://127.0.0.1:{s3}/media/;
    }}
    location /private-files/ {{
      internal;
      alias {private}/;
    }}
  }}
}}
"""
