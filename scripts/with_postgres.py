#!/usr/bin/env python3
"""Run a command against a throwaway PostgreSQL server.

    python scripts/with_postgres.py -- CMD ARGS...

Starts a private PostgreSQL server in a temporary directory (trust auth,
127.0.0.1 on a free port, its own unix-socket directory), creates the database
``internkontroll_test`` owned by the superuser role ``postgres``, runs CMD with
``DATABASE_URL=postgresql://postgres@127.0.0.1:PORT/internkontroll_test`` and
always stops the server and removes the directory afterwards. The exit code is
CMD's (128 + N when CMD or this script was stopped by signal N).

If no PostgreSQL server binaries are found the script prints a SKIPPED line and
exits 0, except when CI=true, where that is an error.

initdb refuses to run as root: as root the server binaries run as the
``postgres`` system user (or ``nobody``) through ``runuser``.
"""

# The commands run here are built from fixed argument lists, never from a shell.
# ruff: noqa: S603, S607

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DB_NAME = "internkontroll_test"
ROLE = "postgres"
SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
PREFIX = "with_postgres:"

SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "200",
    "shared_buffers": "32MB",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "log_min_messages": "warning",
    "log_line_prefix": "'%m [%p] '",
}


class StartupError(Exception):
    pass


class Interrupted(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def say(message: str) -> None:
    print(f"{PREFIX} {message}", file=sys.stderr, flush=True)


def is_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _version_key(bindir: str) -> tuple[int, ...]:
    match = re.search(r"/postgresql/([\d.]+)/bin$", bindir)
    return tuple(int(p) for p in match.group(1).split(".") if p) if match else (0,)


def find_bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None."""
    on_path = shutil.which("initdb")
    candidates = []
    if on_path:
        # /usr/local/bin/initdb may be a symlink into /usr/lib/postgresql/N/bin,
        # where pg_ctl finds its `postgres` binary.
        candidates.append(Path(on_path).resolve().parent)
    found = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += [Path(d) for d in sorted(found, key=_version_key, reverse=True)]
    for bindir in candidates:
        if all(os.access(bindir / name, os.X_OK) for name in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _unblock_signals() -> None:
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


def _pending_signal() -> int | None:
    pending = signal.sigpending() & SIGNALS
    return min(pending) if pending else None


class Server:
    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.runas: list[str] = []
        self.user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                with contextlib.suppress(KeyError):
                    self.user = pwd.getpwnam(name)
                    break
            if self.user is None:
                raise StartupError("running as root and no 'postgres' or 'nobody' user exists")
            self.runas = ["runuser", "-u", self.user.pw_name, "--"]
        self.root = Path(self._make_tempdir())
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"
        self.log = self.root / "server.log"
        self.port = 0
        self.started = False

    def _make_tempdir(self) -> str:
        path = tempfile.mkdtemp(prefix="ik-pg-")
        if self.user is None:
            return path
        os.chown(path, self.user.pw_uid, self.user.pw_gid)
        if self._server_cmd(["test", "-w", path], check=False).returncode == 0:
            return path
        # $TMPDIR is not reachable for the unprivileged user: fall back to /tmp.
        os.rmdir(path)
        path = tempfile.mkdtemp(prefix="ik-pg-", dir="/tmp")  # noqa: S108
        os.chown(path, self.user.pw_uid, self.user.pw_gid)
        return path

    def _server_cmd(
        self, args: list[str], check: bool = True, interruptible: bool = True
    ) -> subprocess.CompletedProcess:
        """Run a command as the server's user, output captured.

        A failure with a signal pending means a Ctrl-C reached the command:
        raise Interrupted (unless shutting down, when nothing may stop cleanup).
        """
        result = subprocess.run(
            [*self.runas, *args],
            cwd="/",  # the caller's directory may be closed to the server's user
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=_unblock_signals,
            check=False,
        )
        if result.returncode != 0 and interruptible and (signum := _pending_signal()):
            raise Interrupted(signum)
        if check and result.returncode != 0:
            raise StartupError(f"{Path(args[0]).name} failed:\n{result.stdout.strip()}")
        return result

    def start(self) -> None:
        self._server_cmd(
            [
                str(self.bindir / "initdb"),
                f"--pgdata={self.data}",
                f"--username={ROLE}",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ]
        )
        self._server_cmd(["mkdir", "-m", "0700", str(self.sockets)])
        settings = dict(SERVER_SETTINGS, unix_socket_directories=f"'{self.sockets}'")
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write("\n# with_postgres.py\n")
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

        for _attempt in range(3):  # the free port can be taken before the server binds it
            self.port = free_port()
            result = self._pg_ctl_start()
            if result.returncode == 0:
                break
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            if "Address already in use" not in log:
                raise StartupError(f"pg_ctl start failed:\n{result.stdout.strip()}\n{log}")
            self.stop()
        else:
            raise StartupError("pg_ctl start failed three times: no free port")

        self._create_database()

    def _pg_ctl_start(self) -> subprocess.CompletedProcess:
        result = self._server_cmd(
            [
                str(self.bindir / "pg_ctl"),
                "start",
                "--wait",
                "--timeout=60",
                f"--pgdata={self.data}",
                f"--log={self.log}",
                f"--options=-p {self.port}",
            ],
            check=False,
        )
        self.started = True  # even a failed start may leave a postmaster to stop
        return result

    def start_again(self) -> None:
        """Start a stopped server again on the same port and data directory."""
        result = self._pg_ctl_start()
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise StartupError(f"pg_ctl start failed:\n{result.stdout.strip()}\n{log[-2000:]}")

    def _create_database(self) -> None:
        sql = f"CREATE DATABASE {DB_NAME} OWNER {ROLE}"
        conn = ["-h", "127.0.0.1", "-p", str(self.port), "-U", ROLE]
        createdb = self.bindir / "createdb"
        psql = self.bindir / "psql"
        if os.access(createdb, os.X_OK):
            args = [str(createdb), *conn, "--owner", ROLE, DB_NAME]
        elif os.access(psql, os.X_OK) or shutil.which("psql"):
            exe = str(psql) if os.access(psql, os.X_OK) else "psql"
            args = [exe, *conn, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql]
        else:
            raise StartupError("neither createdb nor psql found to create the database")
        self._server_cmd(args)

    def version(self) -> str:
        out = self._server_cmd([str(self.bindir / "postgres"), "--version"], check=False).stdout
        return out.strip().removeprefix("postgres (PostgreSQL) ").join(["PostgreSQL ", ""])

    @property
    def url(self) -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{DB_NAME}"

    def stop(self) -> None:
        pidfile = self.data / "postmaster.pid"
        if not self.started or not pidfile.exists():
            return
        result = self._server_cmd(
            [
                str(self.bindir / "pg_ctl"),
                "stop",
                "--wait",
                "--timeout=30",
                "--mode=fast",
                f"--pgdata={self.data}",
            ],
            check=False,
            interruptible=False,
        )
        if result.returncode != 0 and pidfile.exists():
            say(f"pg_ctl stop failed, killing the server: {result.stdout.strip()}")
            with contextlib.suppress(ValueError, OSError):
                pid = int(pidfile.read_text().split()[0])
                os.kill(pid, signal.SIGQUIT)
                for _ in range(100):
                    os.kill(pid, 0)
                    time.sleep(0.1)

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def run_command(cmd: list[str], env: dict[str, str]) -> int:
    """Run CMD, forwarding signals sent to this script with kill(); return its exit code.

    A Ctrl-C in a terminal reaches CMD directly (same process group); such
    kernel-sent signals are not forwarded again, so CMD sees one SIGINT.
    """
    try:
        proc = subprocess.Popen(cmd, env=env, preexec_fn=_unblock_signals)
    except OSError as exc:
        say(f"cannot run {cmd[0]}: {exc}")
        return 127
    first_signal = None
    while True:
        info = signal.sigtimedwait(SIGNALS, 0.2)
        if info is not None:
            first_signal = first_signal or info.si_signo
            if info.si_pid != 0:  # sent with kill(), not by the terminal
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(info.si_signo)
        code = proc.poll()
        if code is not None:
            break
    if code < 0:
        return 128 - code
    if code == 0 and first_signal is not None:
        return 128 + first_signal
    return code


def main(argv: list[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print("usage: python scripts/with_postgres.py -- CMD [ARGS...]", file=sys.stderr)
        return 2
    cmd = argv[argv.index("--") + 1 :]

    bindir = find_bindir()
    if bindir is None:
        if is_ci():
            say("ERROR: PostgreSQL server binaries (initdb) not found; install Debian's postgresql")
            return 1
        print("SKIPPED: PostgreSQL leg (initdb not found)", flush=True)
        return 0

    # Signals wait in the queue while the server starts and are read in
    # run_command, so the server is always stopped and its directory removed.
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    server = None
    try:
        server = Server(bindir)
        server.start()
        if (signum := _pending_signal()) is not None:
            raise Interrupted(signum)
        version = server.version()
        say(f"{version} at {server.url} (data in {server.root})")
        env = dict(os.environ, DATABASE_URL=server.url)
        return run_command(cmd, env)
    except StartupError as exc:
        say(f"ERROR: {exc}")
        if server is not None and server.log.exists():
            say("server log:\n" + server.log.read_text(errors="replace")[-4000:])
        return 1
    except Interrupted as exc:
        say(f"interrupted by signal {exc.signum} while starting PostgreSQL")
        return 128 + exc.signum
    finally:
        if server is not None:
            server.cleanup()
            say("PostgreSQL stopped, temporary directory removed")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
