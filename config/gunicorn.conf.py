"""gunicorn settings of `make run` and of production (`gunicorn -c config/gunicorn.conf.py config.wsgi`).

Every value can be set from the environment: WEB_CONCURRENCY (worker processes, default 2 per core + 1, at most 9),
GUNICORN_THREADS (threads per worker, default 4), BIND (default 127.0.0.1:8000, or 0.0.0.0:$PORT when a PaaS sets PORT),
GUNICORN_TIMEOUT (seconds), FORWARDED_ALLOW_IPS (addresses of the reverse proxy trusted for X-Forwarded-*).
"""

import multiprocessing
import os

bind = os.environ.get("BIND") or (f"0.0.0.0:{os.environ['PORT']}" if os.environ.get("PORT") else "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(2 * multiprocessing.cpu_count() + 1, 9))))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
max_requests = 2000  # recycle a worker now and then (bounded memory)
max_requests_jitter = 200
accesslog = None  # pacte.core.middleware logs each request once, with its duration
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 8190
