"""Settings, driven by the environment (the README's "Déploiement" section lists every variable).

DATABASE_URL defaults to an embedded SQLite file; set it to a postgres:// URL in production
(and in CI, to run the suite against PostgreSQL). DEBUG is off unless DEBUG=1.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Where the embedded deployment keeps what it writes besides the database: its generated secret key, its cache.
VAR_DIR = Path(os.environ.get("VAR_DIR", str(BASE_DIR / "var")))


def _secret_key() -> str:
    """SECRET_KEY from the environment; otherwise one generated once and kept in var/secret_key (the embedded
    deployment: a fresh clone runs without any set-up, and sessions survive a restart). Several servers sharing
    one database must be given the same SECRET_KEY through the environment."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = VAR_DIR / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as stream:
            stream.write(key)
        return key
    except OSError:  # read-only file system: a key of this process only (sessions end at restart)
        return secrets.token_urlsafe(50)


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# HTTPS behind a reverse proxy. HTTPS=1 turns every protection on; each can still be set on its own.
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(31536000 if HTTPS else 0)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
if env_bool("SECURE_PROXY_SSL_HEADER", HTTPS):  # the proxy sets X-Forwarded-Proto; never trust it otherwise
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
SECURE_REDIRECT_EXEMPT = [r"^sante/"]  # the load balancer probes the server itself, over plain HTTP
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "widget_tweaks",
    "dsfr",
    "ninja",
    "pacte.core",
    "pacte.accounts",
    "pacte.territories",
    "pacte.stakeholders",
    "pacte.interviews",
    "pacte.commitments",
    "pacte.workshops",
    "pacte.companies",
    "pacte.land",
    "pacte.indicators",
    "pacte.governance",
    "pacte.publications",
    "pacte.appropriation",
    "pacte.roadmap",
    "pacte.replication",
    "pacte.drafting",
    "pacte.national",
    "pacte.synergies",
    "pacte.opendata",
    "pacte.public",
    "pacte.privacy",
]

MIDDLEWARE = [
    "pacte.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "pacte.core.limits.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "pacte.accounts.middleware.SessionSecurityMiddleware",  # rolling expiry, "se déconnecter partout"
    "pacte.core.throttle.ThrottleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pacte.core.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default is a real deployment: concurrent writers (workshop phones, several server processes)
    # wait for each other instead of failing with "database is locked". WAL lets readers go on during a write;
    # IMMEDIATE takes the write lock when a transaction starts, so that a reading transaction never has to be
    # upgraded (the upgrade fails at once, whatever the timeout); the timeout (seconds) is how long a writer waits.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": int(os.environ.get("SQLITE_TIMEOUT", "20")),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password sign-in loads the account's security row with the user ("se déconnecter partout" costs no query).
# Django's own ModelBackend stays listed: sessions opened with it (company sign-in links) remain valid.
AUTHENTICATION_BACKENDS = [
    "pacte.accounts.backends.PasswordBackend",
    "django.contrib.auth.backends.ModelBackend",
    "pacte.accounts.oidc.ProConnectBackend",
]

# ProConnect (OpenID Connect sign-in of public agents, pacte.accounts.oidc): on when all three are set; the endpoints
# come from the discovery document, read on first use and cached. Unset: no button, the ProConnect URLs answer 404.
PROCONNECT_CLIENT_ID = os.environ.get("PROCONNECT_CLIENT_ID", "")
PROCONNECT_CLIENT_SECRET = os.environ.get("PROCONNECT_CLIENT_SECRET", "")
PROCONNECT_DISCOVERY_URL = os.environ.get("PROCONNECT_DISCOVERY_URL", "")

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Static files are served by whitenoise from STATIC_ROOT (`manage.py collectstatic`, run by `make run`), compressed
# and with hashed names cached for a year. DEBUG=1 serves them from the apps as they are.
# STATIC_MANIFEST=0 serves them unhashed straight from the apps, without collectstatic (throwaway test servers).
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "pacte.core.storage.StaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG

# Uploaded files (pride images, indicator proofs, land attachments). Never served by path: each is served by a
# view that looks it up in the database and checks access (pacte.core.files). Behind nginx or Apache, set
# SENDFILE_HEADER=X-Accel-Redirect (nginx, with an internal location SENDFILE_URL aliased to MEDIA_ROOT) or
# X-Sendfile (Apache mod_xsendfile) so that the web server sends the bytes once the view has said yes.
MEDIA_URL = "/media/"
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / "media"))
SENDFILE_HEADER = os.environ.get("SENDFILE_HEADER", "")  # "", "X-Accel-Redirect" or "X-Sendfile"
SENDFILE_URL = os.environ.get("SENDFILE_URL", "/protected-media/")
# Largest upload kept in memory before Django spills it to disk; uploads are also capped per field.
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# Any request larger than this is refused (413) before its body is read (pacte.core.limits).
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", str(52 * 1024 * 1024)))
CSRF_FAILURE_VIEW = "pacte.core.errors.csrf_failure"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "public:home"

SITE_TITLE = "Pacte industrie-territoire"

# Email: invitations (sign-in links) and reminders of step 5. The console backend prints them (demo, no
# outside service); EMAIL_HOST set means SMTP (EMAIL_BACKEND can still name another backend).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587" if env_bool("EMAIL_USE_TLS") else "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 20
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", "ne-pas-repondre@pacte.localhost")
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Pacte industrie-territoire <ne-pas-repondre@pacte.localhost>"
)
# Absolute address of the site, for links in emails sent outside a request (reminders from cron).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The covering index of indicator values is for PostgreSQL; SQLite (the embedded default) simply ignores its
# non-key columns, which is fine.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Cache: rendered public pages of published versions, throttles. Redis when REDIS_URL is set (several servers share
# it); otherwise a file cache under var/cache, shared by the server's worker processes on one machine (a per-process
# memory cache would let each worker count its own throttle).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
elif os.environ.get("CACHE", "") == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

# Content-Security-Policy (django-csp): no inline script anywhere, nothing from another origin. Inline style
# attributes stay allowed (the DSFR and the server-drawn SVG charts use them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Logs: one line per request with its duration (pacte.core.middleware), as text or, with LOG_FORMAT=json, as JSON.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "pacte.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_FORMAT == "json" else "text"}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},  # the request log below replaces runserver's own lines
        "django.request": {"level": "ERROR"},
    },
}

# Errors to Sentry when SENTRY_DSN is set (nothing is sent otherwise).
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
    )

# Sessions end after 8 hours without a request (a working day; team accounts change a territory's data). The expiry
# rolls: pacte.accounts.middleware touches the session when its last touch is older than 5 minutes, which saves it
# with a new expiry (8 h from then). SESSION_SAVE_EVERY_REQUEST would do the same at the cost of one write per page.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_SAVE_EVERY_REQUEST = False
