"""Corridor Watch settings: one env-driven module.

Every value comes from the environment (see `.env.example`). The database is
`DATABASE_URL` (``postgis://user:password@host:port/name``); without it the embedded
cluster made by ``scripts/pg.sh`` is used through the URL it writes to ``.var/database_url``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CW_VAR_DIR", BASE_DIR / ".var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and (VAR_DIR / "secret_key").exists():
    # Written by scripts/setup.sh for the embedded default set-up.
    SECRET_KEY = (VAR_DIR / "secret_key").read_text().strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off "
            "(`make setup` writes one to .var/secret_key)."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    embedded = VAR_DIR / "database_url"
    if embedded.exists():
        return embedded.read_text().strip()
    raise ImproperlyConfigured(
        "DATABASE_URL is not set and the embedded PostGIS cluster has not been created: "
        "run `make db` (or set DATABASE_URL=postgis://user:password@host:port/name)."
    )


DATABASES = {"default": dj_database_url.parse(_database_url(), conn_max_age=60)}
if not DATABASES["default"]["ENGINE"].endswith("postgis"):
    raise ImproperlyConfigured("Corridor Watch needs PostGIS: DATABASE_URL must be postgis://...")
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming read replica for the long reads (core.replica): exports, reports, history,
# scorecards. Passed over for the primary past CW_REPLICA_MAX_LAG_S, or when it is away.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=60, conn_health_checks=True
    )
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
CW_REPLICA_MAX_LAG_S = float(os.environ.get("CW_REPLICA_MAX_LAG_S", "30"))
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "core",
    "accounts",
    "geo",
    "corridors",
    "ais",
    "portcalls",
    "ports",
    "rail",
    "alerts",
    "exports",
    "dash_app",
    "audit",
    "ogc",
]

MIDDLEWARE = [
    # First: counts and times every request (core.metrics, /metrics).
    "core.metrics.RequestMetrics",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A user's write keeps their long reads on the primary until the replica has it.
    "core.replica.PinOwnWrites",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Who read or changed what, when, from where (audit.middleware).
    "audit.middleware.AuditRequests",
    # `/api/nodes/?format=gpkg` and the like: the layer's export.
    "exports.middleware.ListFormatRedirect",
    # Last: turns a lockout flagged during authentication into a 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login attempts are rate-limited by django-axes (site, admin and API token logins): after
# CW_LOGIN_FAILURES failures of one user name from one address, that pair waits
# CW_LOGIN_COOLOFF_MIN minutes (answered 429).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (OpenID Connect), active when CW_OIDC_CLIENT_ID is set (accounts.oidc).
    "accounts.oidc.CorridorOIDCBackend",
]
OIDC_RP_CLIENT_ID = os.environ.get("CW_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("CW_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("CW_OIDC_AUTHORIZATION_URL", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("CW_OIDC_TOKEN_URL", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("CW_OIDC_USERINFO_URL", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("CW_OIDC_JWKS_URL", "")
OIDC_RP_SIGN_ALGO = os.environ.get("CW_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email profile"
OIDC_TIMEOUT = 10
CW_OIDC_GROUPS_CLAIM = os.environ.get("CW_OIDC_GROUPS_CLAIM", "groups")
CW_OIDC_GROUP_ROLES = os.environ.get("CW_OIDC_GROUP_ROLES", "")
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/"
AXES_FAILURE_LIMIT = env_int("CW_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CW_LOGIN_COOLOFF_MIN", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "core.api.throttles.address_of"
# Proxies whose X-Forwarded-For is believed (their own addresses, comma-separated): behind
# deploy/nginx.conf, 127.0.0.1. Without it the connection's address is the client's.
CW_TRUSTED_PROXIES = frozenset(
    a.strip() for a in os.environ.get("CW_TRUSTED_PROXIES", "").split(",") if a.strip()
)
# A process that has not beaten for three of its intervals, and at least this long, is late.
CW_LATE_AFTER_S = float(os.environ.get("CW_LATE_AFTER_S", "60"))
# /metrics for a scraper elsewhere than this machine: `Authorization: Bearer <token>`.
CW_METRICS_TOKEN = os.environ.get("CW_METRICS_TOKEN", "")
# Wrong API tokens an address may send a minute before every token it sends is refused.
CW_TOKEN_FAILURES = env_int("CW_TOKEN_FAILURES", 20)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/dash/"
LOGOUT_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The GDAL on Debian 12 is 3.6 (< 3.9): no spatial-reference string from untrusted
# input is parsed anywhere, so the warning is noise on every command.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Who may read the API without logging in: nobody, by default. CW_PUBLIC_LAYERS=1 opens
# the map layers (nodes, routes, segments, coverage, service categories) to anonymous
# reads; the basemap, /healthz and the schema are always public; everything else
# (vessels, port calls, throughput, AIS statistics) always needs a login or a token.
CW_PUBLIC_LAYERS = env_bool("CW_PUBLIC_LAYERS", False)
# A provider's HTTP feed of AIS positions (the AISHub kind): `manage.py ingest_ais provider:`
# (and a `make run` process when the URL is set) polls it every CW_AIS_HTTP_INTERVAL seconds
# (AISHub allows one request a minute) for the box lon_min,lat_min,lon_max,lat_max.
CW_AIS_HTTP_URL = os.environ.get("CW_AIS_HTTP_URL", "")
CW_AIS_HTTP_KEY = os.environ.get("CW_AIS_HTTP_KEY", "")
CW_AIS_HTTP_INTERVAL = float(os.environ.get("CW_AIS_HTTP_INTERVAL", "60"))
CW_AIS_HTTP_BBOX = os.environ.get("CW_AIS_HTTP_BBOX", "100,-2,125,32")
CW_AIS_HTTP_TIMEOUT = float(os.environ.get("CW_AIS_HTTP_TIMEOUT", "30"))
# The audit log: how long its rows stay in the database before audit_retain archives them.
CW_AUDIT_RETENTION_DAYS = env_int("CW_AUDIT_RETENTION_DAYS", 180)
CW_AUDIT_ARCHIVE_DIR = Path(os.environ.get("CW_AUDIT_ARCHIVE_DIR", str(VAR_DIR / "audit")))
# The audit's witness: checkpoints (newest seq and hash) kept outside the database, so the
# newest rows cut off or a tail rewritten are found by audit_verify. Ship it to a log server.
CW_AUDIT_WITNESS = Path(
    os.environ.get("CW_AUDIT_WITNESS", str(CW_AUDIT_ARCHIVE_DIR / "witness.jsonl"))
)

REST_FRAMEWORK = {
    # Token first: an anonymous API call is answered 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.auth.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.CorridorPermission"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 500,
    # Anonymous callers are throttled per real client address (core.requests).
    "DEFAULT_THROTTLE_CLASSES": ["core.api.throttles.AnonThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("CW_ANON_RATE", "120/min")},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "TIMEOUT": 300}}

SPECTACULAR_SETTINGS = {
    "TITLE": "Corridor Watch API",
    "DESCRIPTION": (
        "Nodes, routes, digital-service coverage and throughput of the New Western "
        "Land-Sea Corridor. Geometries are GeoJSON in WGS84 (EPSG:4326), lon/lat."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TrainStatusEnum": "rail.choices.TrainStatus",
        "RailEventStateEnum": "rail.choices.EventState",
        "AlertStateEnum": "alerts.models.AlertState",
        "FigureStatusEnum": "ports.choices.Status",
    },
}

# Map settings. The default basemap is the bundled vector layer; a tile URL (OSM,
# Tianditu...) is optional and only used when set.
CW_TILE_URL = os.environ.get("CW_TILE_URL", "")
CW_TILE_ATTRIBUTION = os.environ.get("CW_TILE_ATTRIBUTION", "")
# The datum the tiles of CW_TILE_URL are drawn in: wgs84 or cgcs2000; gcj02 (and bd09) are
# refused, never overlaid on our WGS84 data (geo.services.tiles).
CW_TILE_DATUM = os.environ.get("CW_TILE_DATUM", "wgs84")
# Tianditu (天地图): the key (tk), the base layer (vec, img or ter; its Chinese annotation
# layer is added), the tile matrix (w: Web Mercator, c: CGCS2000) and an intranet mirror
# that serves the same paths (default: Tianditu itself).
CW_TIANDITU_KEY = os.environ.get("CW_TIANDITU_KEY", "")
CW_TIANDITU_LAYER = os.environ.get("CW_TIANDITU_LAYER", "vec")
CW_TIANDITU_MATRIX = os.environ.get("CW_TIANDITU_MATRIX", "w")
CW_TIANDITU_URL = os.environ.get("CW_TIANDITU_URL", "")
# The map-approval number (审图号) of the map in use, printed on every map, report and PDF.
CW_MAP_APPROVAL = os.environ.get("CW_MAP_APPROVAL", "")
# The political layers of the bundled basemap: `china` (default) draws boundaries, the maritime
# line and place names from China's point of view (geo.services.basemap); `none` draws no
# political layer at all (physical land, water and the corridor only).
CW_POLITICAL_LAYERS = os.environ.get("CW_POLITICAL_LAYERS", "china")
CW_DATA_DIR = Path(os.environ.get("CW_DATA_DIR", BASE_DIR / "data" / "gis"))

# Mail (review outcomes to operators): only where an SMTP server is configured.
EMAIL_HOST = os.environ.get("CW_SMTP_HOST", "")
EMAIL_PORT = env_int("CW_SMTP_PORT", 25)
EMAIL_HOST_USER = os.environ.get("CW_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CW_SMTP_PASSWORD", "")
EMAIL_USE_TLS = env_bool("CW_SMTP_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("CW_MAIL_FROM", "corridor-watch@localhost")
# Request bodies: a batch of 10,000 rail events is ~4 MiB of JSON; 16 MiB bounds the rest.
DATA_UPLOAD_MAX_MEMORY_SIZE = 16 * 2**20
# Dash callback bodies (component values): larger ones are refused with 413.
CW_DASH_MAX_BODY = env_int("CW_DASH_MAX_BODY", 2**20)
# API tokens stop working after this many days.
CW_TOKEN_DAYS = env_int("CW_TOKEN_DAYS", 365)
# Monthly figures are due on this day of the following month.
CW_REPORT_DUE_DAY = env_int("CW_REPORT_DUE_DAY", 10)
# Rail KPIs: punctuality threshold (minutes, routes may set their own), the railway
# statistical day's close (Beijing time), the sea-rail transfer threshold (hours).
CW_PUNCTUALITY_MIN = env_int("CW_PUNCTUALITY_MIN", 30)
CW_RAIL_DAY_CLOSE = os.environ.get("CW_RAIL_DAY_CLOSE", "18:00")
CW_TRANSFER_THRESHOLD_H = env_int("CW_TRANSFER_THRESHOLD_H", 72)
# Alerts: a vessel in port silent this many hours; new alerts POSTed as JSON here (optional).
CW_AIS_GAP_H = env_int("CW_AIS_GAP_H", 6)
CW_ALERT_WEBHOOK = os.environ.get("CW_ALERT_WEBHOOK", "")
# Exports: where files are kept, for how many days, and the row count answered at once
# (larger exports run in the background worker).
CW_EXPORT_DIR = Path(os.environ.get("CW_EXPORT_DIR", BASE_DIR / ".var" / "exports"))
CW_ARCHIVE_DIR = Path(os.environ.get("CW_ARCHIVE_DIR", VAR_DIR / "archive"))
# Where manage.py backup writes its dated folders by default.
CW_BACKUP_DIR = Path(os.environ.get("CW_BACKUP_DIR", VAR_DIR / "backups"))
CW_EXPORT_DAYS = env_int("CW_EXPORT_DAYS", 7)
CW_EXPORT_INLINE_ROWS = env_int("CW_EXPORT_INLINE_ROWS", 20000)
# Exports one user may have waiting or running at once (the worker takes users in turn).
CW_EXPORT_QUEUED = env_int("CW_EXPORT_QUEUED", 5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CW_LOG_LEVEL", "INFO")},
    "loggers": {
        "waitress.queue": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        "pyogrio": {"level": "WARNING"},
    },
}

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind TLS (a reverse proxy that sets X-Forwarded-Proto), set CW_SECURE_COOKIES=1:
# secure cookies, HSTS, redirect of plain HTTP (except /healthz, for the proxy's checks).
CW_BEHIND_TLS = env_bool("CW_SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = CW_BEHIND_TLS
if CW_BEHIND_TLS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env_int("CW_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CW_HSTS_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("CW_HSTS_PRELOAD", True)
