"""gunicorn settings for the portal: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Every value can be set from the environment (systemd reads /etc/portal/env), so the same
file serves one box or many instances behind a load balancer.
"""

from __future__ import annotations

import gc
import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, "") or default)


# Behind nginx on the same host by default; a private address when nginx is elsewhere.
bind = os.environ.get("PORTAL_BIND", "127.0.0.1:8000")

# Sync workers: requests are short and mostly wait on PostgreSQL; slow clients never reach
# them because nginx buffers whole requests and responses. Rule of thumb: 2 x cores + 1.
worker_class = "sync"
workers = _int("PORTAL_WORKERS", 2 * multiprocessing.cpu_count() + 1)

# A request that takes longer than this is stuck (the slowest, a 55 MB upload, arrives
# already buffered by nginx); graceful_timeout lets in-flight filings finish on restart.
timeout = _int("PORTAL_WORKER_TIMEOUT", 30)
graceful_timeout = _int("PORTAL_GRACEFUL_TIMEOUT", 25)
keepalive = 2

# Recycle workers now and then so slow leaks never accumulate; the jitter keeps them from
# all restarting at the same moment.
max_requests = _int("PORTAL_MAX_REQUESTS", 2000)
max_requests_jitter = _int("PORTAL_MAX_REQUESTS_JITTER", 200)

# Load the app once in the master and fork the workers from it: they share its code pages,
# which cut each worker's private memory from about 74 MB to about 20 MB (4 workers:
# 300 MB -> 80 MB; /proc/<pid>/smaps_rollup, as in scripts/bench.py's memory table).
# Safe because create_app() opens no connection (it only wires): every database and Redis
# connection is made after the fork, in the worker that uses it. The price: `kill -HUP`
# no longer loads new code, so deploys restart the service (`systemctl restart portal`,
# one instance at a time).
preload_app = True


def pre_fork(server: object, worker: object) -> None:
    """Hide the preloaded objects from the garbage collector before each fork.

    Collections in a worker would otherwise write to every object they scan, copying the
    pages it shares with the master: measured after 4,500 requests, 48 MB private per
    worker without this, 20 MB with it.
    """
    gc.freeze()


# Only the proxy may tell gunicorn the scheme; the app reads the client address itself
# through PORTAL_PROXY_HOPS.
forwarded_allow_ips = os.environ.get("PORTAL_PROXY_IPS", "127.0.0.1")

# gunicorn >= 25.1 opens a management socket in $HOME by default: the service has no
# writable home (ProtectHome) and systemd already reloads and stops it.
control_socket_disable = True

# The worker heartbeat lives in memory, not on a disk that can stall (or be read-only).
worker_tmp_dir = "/dev/shm"  # noqa: S108 (heartbeat files only; gunicorn docs advise it)
umask = 0o077

# No client address (%(h)s), no query string, no user agent, no referrer: only what
# operators need to see that requests are answered, and how fast.
accesslog = os.environ.get("PORTAL_ACCESS_LOG", "-")
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("PORTAL_LOG_LEVEL", "info")
proc_name = "portal"
