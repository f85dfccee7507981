"""Safewell settings: one module, driven by the environment.

SQLite in ./data is the default, so a checkout runs with no services. DATABASE_URL switches
to PostgreSQL. Secrets come from the environment or from a file named by `<NAME>_FILE`.
A bad value stops start-up with one plain sentence (`ConfigurationError`), which the
`safewell` command prints without a traceback.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from safewell.core.env import ConfigurationError, env, envbool, envint, secret

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(env("SAFEWELL_DATA_DIR", str(BASE_DIR / "data")))

DEBUG = envbool("DEBUG", False)
# Production refuses to invent a secret key; development makes one on first run.
PRODUCTION = envbool("SAFEWELL_PRODUCTION", False)
# Plain HTTP on loopback (make demo, tests) turns this off; behind TLS it stays on.
HTTPS = envbool("SAFEWELL_HTTPS", True)


def _secret_key() -> str:
    key = secret("SECRET_KEY")
    if key is None:
        if PRODUCTION:
            raise ConfigurationError(
                "SECRET_KEY is not set: set SECRET_KEY (or SECRET_KEY_FILE) to a random "
                "string of at least 50 characters."
            )
        return _development_secret_key()
    if len(key) < 50:
        raise ConfigurationError(
            "SECRET_KEY is too short: use a random string of at least 50 characters."
        )
    return key


def _development_secret_key() -> str:
    """A key kept in the git-ignored data folder, made once, so sessions survive restarts."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Before allauth, so the shell's allauth/layouts and allauth/elements templates (GOV.UK
    # styled, inside base.html) and accounts' sign-in and MFA pages replace allauth's plain ones.
    "safewell.core",
    "safewell.accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    # Our apps, in the order of design.md: each may use the ones above it (core and
    # accounts are above).
    "safewell.audit",
    "safewell.schools",
    "safewell.pupils",
    "safewell.attendance",
    "safewell.followup",
    "safewell.policy",
    "safewell.safeguarding",
    # At the top of design.md's order: the demo and the benchmarks (their commands).
    "safewell.demo",
    "safewell.bench",
]

MIDDLEWARE = [
    "safewell.core.middleware.request_context",
    "django.middleware.security.SecurityMiddleware",
    "safewell.core.middleware.content_security_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "safewell.core.middleware.actor_context",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After allauth: a signed-in admin/DSL/deputy without MFA may only set it up.
    "safewell.accounts.middleware.mfa_required",
    "safewell.accounts.middleware.session_idle_expiry",
]

ROOT_URLCONF = "safewell.config.urls"
WSGI_APPLICATION = "safewell.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safewell.config.context_processors.shell",
            ],
        },
    },
]


def _database() -> dict:
    url = env("DATABASE_URL", "")
    if not url:
        return _sqlite_database()
    try:
        config = dj_database_url.parse(url, conn_max_age=envint("CONN_MAX_AGE", 60))
    except (ValueError, KeyError):
        raise ConfigurationError(
            "DATABASE_URL is not a database URL: set it to "
            "postgres://USER:PASSWORD@HOST:5432/NAME, or unset it to use SQLite."
        ) from None
    if config.get("ENGINE") != "django.db.backends.postgresql":
        raise ConfigurationError(
            "DATABASE_URL must point at PostgreSQL (postgres://…); unset it to use SQLite."
        )
    if not config.get("NAME"):
        raise ConfigurationError(
            "DATABASE_URL names no database: end it with the name, as in "
            "postgres://USER:PASSWORD@HOST:5432/NAME."
        )
    config["CONN_HEALTH_CHECKS"] = True
    config["TEST"] = {"NAME": env("SAFEWELL_TEST_DB_NAME", "") or None}
    return config


def _sqlite_database() -> dict:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "safewell.sqlite3",
        "OPTIONS": {
            # Writers queue instead of failing at once; IMMEDIATE takes the write lock at
            # BEGIN, so two writers never deadlock upgrading a read lock.
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# English schools: dates and register times are in Europe/London; storage is UTC.
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# `make assets` (npm run build) writes GOV.UK Frontend, htmx and our CSS/JS to static/build/.
STATICFILES_DIRS = [BASE_DIR / "safewell" / "static"]
# WhiteNoise serves the apps' and the build's files straight from their folders, so a fresh
# checkout (`make demo`, DEBUG off) needs no collectstatic; STATIC_ROOT is still served too.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(DATA_DIR / "media")}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Security headers. HSTS and secure cookies only make sense behind TLS.
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if envbool("SAFEWELL_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# The file safewell.core.email_log.LogEmailBackend (the demo's) writes instead of sending.
SAFEWELL_EMAIL_LOG = env("SAFEWELL_EMAIL_LOG", str(DATA_DIR / "email.log"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "safewell@localhost")

TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Periodic jobs, enqueued by `safewell scheduler` (or the scheduler inside `safewell worker`).
# cron is "minute hour day-of-month month day-of-week" in Europe/London; each (name, minute)
# is claimed once in the database, so several scheduler processes never double-enqueue.
SAFEWELL_SCHEDULE = [
    {"name": "prune-finished-tasks", "task": "safewell.core.tasks.prune_finished_tasks",
     "cron": "17 3 * * *"},
    # Registers close at each site's close time (attendance/jobs.py): every minute of the
    # school day's hours on weekdays; a run catches up on any register a missed run left open.
    {"name": "registers-close", "task": "safewell.attendance.jobs.close_registers", "cron": "* 6-18 * * 1-5"},
    # N older than 5 school days becomes O (reg 10(7)-(9)), before the school day starts; the
    # attendance officers hear the day before.
    {"name": "n-marks-to-o", "task": "safewell.attendance.jobs.convert_stale_n_marks", "cron": "30 5 * * *"},
    {"name": "n-marks-notice", "task": "safewell.attendance.jobs.notify_n_marks_due", "cron": "0 7 * * *"},
    # Policy profiles due for review within 30 days, or overdue: the DSL and the admin are
    # reminded (policy/profile_jobs.py), before the school day.
    {"name": "policy-review-reminders", "task": "safewell.policy.profile_jobs.remind_policy_reviews", "cron": "15 6 * * *"},
    # Alerts (policy/tasks.py): the outbox is delivered every minute (and as soon as an alert
    # commits); alerts not acknowledged in time are escalated to the lead DSL every 5 minutes.
    {"name": "notifications-deliver", "task": "safewell.policy.tasks.deliver_notifications", "cron": "* * * * *"},
    {"name": "alerts-escalate", "task": "safewell.policy.tasks.escalate_overdue_alerts", "cron": "*/5 * * * *"},
    # Each profile's digest times (08:00 and 13:00 by default; policy/digests.py).
    {"name": "alerts-digests", "task": "safewell.policy.tasks.send_digests", "cron": "*/5 6-18 * * 1-5"},
    # The policy engine re-evaluates every pupil nightly (policy/engine/jobs.py); registers
    # re-evaluate their own pupils as they are saved (policy/engine/hooks.py).
    {"name": "policy-evaluate-nightly", "task": "safewell.policy.engine.jobs.evaluate_all_nightly", "cron": "30 2 * * *"},
    # The escalation ladder's time limits pass with no event to notice them: every 5 minutes
    # the pupils with an unexplained absence going on are evaluated again (engine/jobs.py).
    {"name": "policy-contact-ladders", "task": "safewell.policy.engine.jobs.evaluate_absence_episodes_now", "cron": "*/5 * * * *"},
    # First-day calling (followup/jobs.py): the family and agency outbox every minute; the
    # first-day messages at each organisation's configured time; same-day agency notices.
    {"name": "followup-messages-deliver", "task": "safewell.followup.jobs.deliver_messages", "cron": "* * * * *"},
    {"name": "followup-first-day-messages", "task": "safewell.followup.jobs.send_first_day_messages", "cron": "*/5 7-18 * * 1-5"},
    {"name": "followup-agency-notices", "task": "safewell.followup.jobs.send_agency_notices", "cron": "*/10 7-18 * * 1-5"},
    # Case work's clocks run out with no write to notice it (the 72-hour return home interview,
    # the CME notification's due date, plan reviews): their alerts are re-checked every 10
    # minutes (safeguarding/jobs.py), as well as in each write that changes them.
    {"name": "safeguarding-casework-alerts", "task": "safewell.safeguarding.jobs.sync_casework_alerts",
     "cron": "*/10 * * * *"},
]
# The signing secret of the SMS provider's reply webhook (followup/webhooks.py); unset, the
# webhook refuses every request.
SAFEWELL_SMS_WEBHOOK_SECRET = secret("SAFEWELL_SMS_WEBHOOK_SECRET") or ""
# The start of the links in emails and texts (https://safewell.example.org); blank: relative.
SAFEWELL_BASE_URL = env("SAFEWELL_BASE_URL", "")
# Safeguarding files are kept until the child's date of birth + this many years, then
# reviewed for destruction (statutory.md §8 [U]: IRMS toolkit from memory; DOB + 25 is
# common practice [S]); a legal hold stops it.
SAFEWELL_SAFEGUARDING_RETENTION_YEARS = envint("SAFEWELL_SAFEGUARDING_RETENTION_YEARS", 25)
# The largest document (an image or a PDF) a safeguarding record takes.
SAFEWELL_SAFEGUARDING_UPLOAD_MAX_BYTES = envint("SAFEWELL_SAFEGUARDING_UPLOAD_MAX_BYTES", 10_000_000)
# Text messages (alerts, first-day messages) go through this provider (core/sms.py); the default appends them
# to SAFEWELL_SMS_LOG (<data dir>/sms.log) instead of sending.
SAFEWELL_SMS_PROVIDER = env("SAFEWELL_SMS_PROVIDER", "safewell.core.sms.LogSmsProvider")
SAFEWELL_SMS_LOG = env("SAFEWELL_SMS_LOG", str(DATA_DIR / "sms.log"))
# `make demo`: plain HTTP on loopback with fictional data (set by `safewell demo`).
DEMO = envbool("SAFEWELL_DEMO", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"refused_request_in_one_line": {"()": "safewell.core.request_log.RefusedRequestInOneLine"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # A 403 or 404 is one line (method, path, status, user), not a traceback.
        "django.request": {"filters": ["refused_request_in_one_line"]},
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint (safeguarding PDFs) and its fontTools log every step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Accounts: django-allauth, sign-in by username or email, no self-registration.
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_ADAPTER = "safewell.accounts.adapter.AccountAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# Accounts are made by an administrator, who knows the address is right: nothing to verify,
# and MFA may be set up straight away.
ACCOUNT_EMAIL_VERIFICATION = "none"
MFA_ALLOW_UNVERIFIED_EMAIL = True
# No "remember me": the idle timeout below decides how long a session lives.
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_FORMS = {"login": "safewell.accounts.forms.LoginForm"}
# Lock-out: 5 failed passwords for one account (whether named by username or email) in 15
# minutes, and 30 a minute from one address (a whole school can sit behind one NAT address).
# (accounts/adapter.py's LOCKED_OUT message names the 15 minutes: change both together.)
# Failed sign-ins are what guessing looks like: 5 per account per 15 minutes locks it.
# Successful sign-ins are not throttled tightly per address: a whole school signs in at
# 8:40 from behind one NAT address, and allauth's default (30/m/ip) would refuse the 31st.
ACCOUNT_RATE_LIMITS = {"login_failed": "30/m/ip,5/15m/key", "login": "600/m/ip"}
# Behind a proxy every request comes from the proxy's address: count per client address
# instead (the last X-Forwarded-For entry, the one our proxy added), or the per-address
# limit would lock everybody out at once.
ALLAUTH_TRUSTED_PROXY_COUNT = 1 if envbool("SAFEWELL_BEHIND_PROXY", False) else 0
MFA_ADAPTER = "safewell.accounts.adapter.MFAAdapter"
MFA_FORMS = {
    "authenticate": "safewell.accounts.forms.MFAAuthenticateForm",
    "reauthenticate": "safewell.accounts.forms.MFAReauthenticateForm",
    "activate_totp": "safewell.accounts.forms.ActivateTOTPForm",
}
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "Safewell")
# WebAuthn needs https, except on plain-http loopback for `make demo` and the tests.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not HTTPS
# Inactivity before a session ends: short for the roles that see safeguarding records or
# manage users, longer for other staff (who take registers all day on a shared laptop).
SAFEWELL_SESSION_IDLE_MINUTES = envint("SAFEWELL_SESSION_IDLE_MINUTES", 30)
SAFEWELL_STAFF_SESSION_IDLE_MINUTES = envint("SAFEWELL_STAFF_SESSION_IDLE_MINUTES", 120)
# One cache that every web process shares (a database table, made by `safewell migrate`): the
# login lock-out counters and the used-TOTP-code list must not be per process.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "safewell_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    }
}
