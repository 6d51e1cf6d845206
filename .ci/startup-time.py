#!/usr/bin/env python3
"""Measures how long a Lambda `bootstrap` binary takes from exec to its first Runtime API poll.

Lambda bills INIT for custom runtimes (provided.al2023), so this is cost and cold-start latency.
A stand-in Runtime API on 127.0.0.1 timestamps the first
`GET /2018-06-01/runtime/invocation/next`: by then the binary has parsed its configuration, set up
logging, loaded the AWS SDK configuration and built the S3 client and the engine. The binary is
then stopped; no event is delivered and nothing leaves the machine (the credentials are dummies and
the S3 client makes no request at start-up).

Usage: .ci/startup-time.py BOOTSTRAP [--runs N] [--memory-mb MB] [--runner CMD]
Prints each run, then min / median / max in milliseconds and the peak resident memory.
`--runner "qemu-aarch64-static -L /usr/aarch64-linux-gnu"` starts an arm64 binary under emulation:
a check that the package starts at all, not a timing (emulation is 12-40 times slower).
"""

import argparse
import http.server
import os
import shlex
import signal
import statistics
import subprocess
import sys
import threading
import time

NEXT_PATH = "/2018-06-01/runtime/invocation/next"
INIT_ERROR_PATH = "/2018-06-01/runtime/init/error"


class RuntimeApi(http.server.ThreadingHTTPServer):
    """Records the first poll for an event (or an init error) and then holds the poll open."""

    daemon_threads = True
    block_on_close = False

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.polled = threading.Event()
        self.polled_at = None
        self.init_error = None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == NEXT_PATH:
            if self.server.polled_at is None:
                self.server.polled_at = time.perf_counter()
            self.server.polled.set()
            # A real Runtime API long-polls; hold the request until the binary is stopped.
            time.sleep(30)
        self.send_error(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        if self.path == INIT_ERROR_PATH:
            self.server.init_error = body.decode("utf-8", "replace")
            self.server.polled.set()
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


def lambda_env(port, memory_mb):
    """The environment Lambda gives a function, with dummy credentials and no AWS config files."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": "downsize-startup-probe",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/downsize-startup-probe",
        "AWS_LAMBDA_LOG_STREAM_NAME": "probe",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIDSTARTUPPROBE",
        "AWS_SECRET_ACCESS_KEY": "startup-probe-secret",
        "AWS_SESSION_TOKEN": "startup-probe-token",
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
        "LAMBDA_TASK_ROOT": "/var/task",
        "TZ": ":UTC",
    }
    return env


def run_once(command, memory_mb):
    server = RuntimeApi()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        started = time.perf_counter()
        proc = subprocess.Popen(
            command,
            env=lambda_env(server.server_address[1], memory_mb),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if not server.polled.wait(timeout=10):
            proc.kill()
            _, err = proc.communicate()
            raise SystemExit(f"no Runtime API poll within 10 s (INIT limit); stderr:\n{err.decode()}")
        if server.init_error is not None:
            proc.kill()
            raise SystemExit(f"the binary reported an init error: {server.init_error}")
        elapsed_ms = (server.polled_at - started) * 1000
        proc.send_signal(signal.SIGKILL)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = status
        proc.stderr.close()
        # ru_maxrss is in KiB on Linux.
        return elapsed_ms, usage.ru_maxrss / 1024
    finally:
        server.shutdown()
        server.server_close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--memory-mb", type=int, default=1024)
    parser.add_argument("--runner", default="", help="command line to start the binary with")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    command = shlex.split(args.runner) + [binary]
    times, rss = [], []
    for i in range(args.runs):
        ms, mib = run_once(command, args.memory_mb)
        times.append(ms)
        rss.append(mib)
        print(f"run {i + 1}: {ms:.1f} ms to first poll, peak RSS {mib:.1f} MiB")
    runner = f" under {args.runner}" if args.runner else ""
    print(
        f"{binary}{runner}: first poll after min {min(times):.1f} / "
        f"median {statistics.median(times):.1f} / max {max(times):.1f} ms over {len(times)} runs "
        f"(first run {times[0]:.1f} ms); peak RSS {max(rss):.1f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
