"""gunicorn's settings for `samverkan serve` (`-c python:samverkan.gunicorn_conf`).

Read by the gunicorn master, which imports no Django: each worker imports `samverkan.wsgi`,
so a graceful reload (SIGHUP, `systemctl reload samverkan-web`) starts workers on the code and
settings installed now while the old ones finish their requests. Bind address and worker
count come from `samverkan serve`'s command line.
"""

import os

proc_name = "samverkan"
# The access log never holds a query string or a referrer: searches put names and identity
# numbers there. Path, status, bytes, milliseconds and the request id shared with the audit log.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms rid=%({x-request-id}o)s'
# A request that takes longer than this is killed and logged; the proxy's timeout is longer.
timeout = int(os.environ.get("SAMVERKAN_WEB_TIMEOUT", "60"))
# SIGTERM and reload give running requests this long to finish.
graceful_timeout = 30
keepalive = 5
# Only the reverse proxy on these addresses may say the request came over HTTPS.
forwarded_allow_ips = os.environ.get("SAMVERKAN_TRUSTED_PROXIES", "127.0.0.1,::1")
# Recycle workers now and then so a slow leak never grows for weeks.
max_requests = 5000
max_requests_jitter = 500
# Heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# No control socket: two instances (tests, the demo) would share $HOME/.gunicorn/gunicorn.ctl,
# and signals through systemd do everything it offers.
control_socket_disable = True
