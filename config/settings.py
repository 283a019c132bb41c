"""Stackwise settings, read from environment variables with safe local defaults.

DEBUG is on only when DJANGO_DEBUG says so; SQLite is used when DATABASE_URL is absent; the
local-memory cache is used unless REDIS_URL is set. There is one settings file: the environment
decides.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

# The key signs sessions, messages and password-reset links: there is no fallback value. With
# DEBUG off the site refuses to start without one; `make run` keeps a generated development key
# outside the repository, and pytest gets a test key from pyproject.toml (pytest-env).
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production needs a long random secret key, e.g. "
            "DJANGO_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))'). "
            "For local development use `make run`, which generates and keeps one."
        )
    # DEBUG only: a key made at start-up, so nothing it signed survives a restart.
    SECRET_KEY = get_random_secret_key()
# Rotation: put the old key here (comma-separated, newest first) and the new one in
# DJANGO_SECRET_KEY; what the old key signed stays valid until it is removed from the list.
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "config.admin.EditorsAdminConfig",  # Django's admin, with the editors' desk as its index
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "crispy_forms",
    "crispy_bootstrap5",
    "bootstrap",
    "simple_history",
    "csp",
    "axes",
    "django_ratelimit",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "comparisons",
    "advisor",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CORS for the API only (CORS_URLS_REGEX), for the origins DJANGO_API_CORS_ORIGINS names.
    "corsheaders.middleware.CorsMiddleware",
    # Compresses what the page cache has not compressed already (it stores pages gzipped once).
    "config.compression.GZipMiddleware",
    "comparisons.cache.KnowledgeVersionMiddleware",
    # Answers cached public pages before the session, CSRF and auth middleware below it.
    "comparisons.cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
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
            ],
        },
    },
    # Only for what a page draws hundreds of times: see config/jinja2.py.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Persistent connections. A connection that failed is closed at the end of its request, so the
# site reconnects by itself after a database outage; health checks (a query before every
# request) are optional.
DATABASE_OPTIONS = {
    "conn_max_age": int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
    "conn_health_checks": env_bool("DJANGO_CONN_HEALTH_CHECKS"),
}
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", **DATABASE_OPTIONS
    )
}
# A PostgreSQL read replica of "default" for visitors' pages (config/replicas.py says what goes
# where, and how a lagging replica is noticed).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], **DATABASE_OPTIONS
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.replicas.PrimaryReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("comparisons.cache.KnowledgeVersionMiddleware") + 1,
        "config.replicas.ReplicaMiddleware",
    )
# PostgreSQL's JIT compiler is for long analytical queries. The site's are short, but the planner
# prices the verdict's correlated subqueries high, so JIT compiled them: a second of compiling
# for a verdict-filtered explorer page whose query runs in 80 ms (EXPLAIN ANALYZE at 100x).
for database in DATABASES.values():
    if database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()

# Redis: a server that is slow or gone costs a request at most these few seconds, never a hung
# worker. Give the server a memory limit and an eviction policy (README, "Caching").
# "fragments" holds the claim cards rendered once per knowledge version (comparisons/fragments.py):
# many small entries, kept apart so that they and the pages in "default" do not evict each other.
if os.environ.get("REDIS_URL"):
    REDIS = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "OPTIONS": {
            "socket_connect_timeout": 1,
            "socket_timeout": 1,
            "retry_on_timeout": False,
            "health_check_interval": 30,
        },
    }
    CACHES = {"default": REDIS, "fragments": {**REDIS, "KEY_PREFIX": "fragments"}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "fragments": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "fragments",
            "OPTIONS": {"MAX_ENTRIES": 15_000},  # cards, cells, records: ~30 MB a process
        },
    }

# Off only to measure what a page costs when it is not in the page cache (bench/run.py).
PAGE_CACHE = env_bool("DJANGO_PAGE_CACHE", default=True)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("DJANGO_PLAIN_STATIC")
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "admin:login"
# Where a sign-in goes when its `next` is missing or refused (an address of another site): the
# editors' admin, rather than Django's default /accounts/profile/, which does not exist here.
LOGIN_REDIRECT_URL = "admin:index"

# Editors' sessions end 8 hours after they sign in (a working day), and when the browser closes.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Admin sign-in throttling (django-axes): 5 wrong passwords for one username from one address
# lock that pair out for 15 minutes (each new attempt while locked restarts the 15 minutes).
# `manage.py axes_reset` (or axes_reset_username / axes_reset_ip) unlocks early. Attempts are kept
# in the database, so the count is shared by every worker and host.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"
AXES_CLIENT_IP_CALLABLE = "config.clients.client_address"
# And whatever the usernames, at most this many sign-in posts per client address (each costs the
# password hasher a fraction of a second): django-ratelimit, as the quiz's rate below.
ADMIN_LOGIN_RATE = "20/m"
AXES_VERBOSE = False
# Lockouts are read and lifted with the management commands (README), not in the admin.
AXES_ENABLE_ADMIN = False

# Messages travel in a signed cookie: anonymous pages never touch the session table.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"

# --- Security. Production (DJANGO_DEBUG unset) is secure by default; each guard can be relaxed
# by its variable, e.g. DJANGO_SECURE_SSL_REDIRECT=0 when a proxy redirects to HTTPS itself.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind reverse proxies (deploy/nginx.conf): trust X-Forwarded-Proto, and take the client's
# address from X-Forwarded-For, DJANGO_PROXY_COUNT hops from the right (config/clients.py). The
# proxy must overwrite X-Forwarded-Proto, and the app must be reachable only through it.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY")
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "1")) if BEHIND_PROXY else 0
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
# Preloading is hard to undo (browsers ship the list): only when the operator asks for it.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD")
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# No inline script or style anywhere: every page is built to satisfy this policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Request bodies larger than this are refused with a 400 instead of being parsed (the proxy
# refuses bodies over 1 MB before they reach the app). The site takes no file uploads: a file part
# is kept in memory up to 256 kB, and at most 10 are accepted.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 10
FILE_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

# The quiz's submissions: at most this many new consultations per client address (config/clients.py)
# per period (django-ratelimit's "count/period": "30/h", "10/m"...); more get a 429 page. Answers
# already stored are answered from the stored result and not counted. Counts live in the default
# cache: with Redis every worker shares them; with the local-memory cache each worker counts for
# itself, so the effective limit is this many per worker.
ADVISOR_SUBMIT_RATE = os.environ.get("DJANGO_ADVISOR_SUBMIT_RATE", "30/h")
# Visitors' reports of wrong claims per client address (comparisons.reports).
CLAIM_REPORT_RATE = os.environ.get("DJANGO_CLAIM_REPORT_RATE", "5/h")
RATELIMIT_IP_META_KEY = "config.clients.client_address"
# django-ratelimit's checks know only memcached and django-redis. Django's own RedisCache has the
# atomic INCR and SET NX it needs (tests/test_abuse.py runs it against Redis); the local-memory
# cache counts per process, as said above.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003"]
if not SECURE_HSTS_PRELOAD:
    # check --deploy asks for preload; it is the operator's choice (DJANGO_HSTS_PRELOAD=1).
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# --- The read-only API under /api/v1/ (api/): Django REST Framework with a drf-spectacular schema.
# Nobody signs in to it and it saves nothing, so it has no authentication, no sessions and no CSRF;
# it speaks JSON only, and every error is a problem-details body (api/problems.py). Anonymous
# clients are limited per address (config/clients.py), all requests together and the scoring POST
# on its own, counted in the default cache like the quiz's limit.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.BoundedPagination",
    "DEFAULT_FILTER_BACKENDS": [],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.AnonymousRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("DJANGO_API_RATE", "120/m"),
        "scoring": os.environ.get("DJANGO_API_SCORE_RATE", "20/m"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Stackwise API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.describe_api",
    ],
}
# Cross-origin reads of the API, off unless origins are given ("*" for any: the API is public and
# takes no credentials).
API_CORS_ORIGINS = env_list("DJANGO_API_CORS_ORIGINS")
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_ALL_ORIGINS = API_CORS_ORIGINS == ["*"]
CORS_ALLOWED_ORIGINS = [] if CORS_ALLOW_ALL_ORIGINS else API_CORS_ORIGINS
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS", "POST"]
CORS_ALLOW_HEADERS = ["accept", "content-type", "if-modified-since", "if-none-match"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After"]

# Consultations older than this many days are deleted by `manage.py prune_consultations`.
CONSULTATION_RETENTION_DAYS = int(os.environ.get("DJANGO_CONSULTATION_RETENTION_DAYS", "365"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # django-axes says every sign-in at INFO; failures and lockouts are WARNINGs.
        "axes": {"level": "WARNING"},
    },
}
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
