"""What production settings need from the environment, checked before anything starts.

`missing_or_invalid(environ)` is pure so the messages are tested without importing settings;
`settings.production` raises one ImproperlyConfigured naming every variable at once, and the
`samverkan` command prints it without a traceback (docs/runbooks/production.md).
"""

from collections.abc import Mapping

KEY_RECIPE = "python3 -c 'import secrets; print(secrets.token_urlsafe({n}))'"

REQUIRED: dict[str, str] = {
    "SAMVERKAN_SECRET_KEY": (
        "signs sessions and CSRF tokens; at least 50 random characters, made with "
        + KEY_RECIPE.format(n=50)
    ),
    "SAMVERKAN_ALLOWED_HOSTS": (
        "the host names the service answers to, comma-separated, e.g. samverkan.kommun.se"
    ),
    "SAMVERKAN_BASE_URL": (
        "the https:// address users open, for links in e-mails, e.g. https://samverkan.kommun.se"
    ),
    "SAMVERKAN_FROM_EMAIL": "the sender of notification e-mails, e.g. samverkan@kommun.se",
    "SAMVERKAN_AUDIT_KEYS": (
        "the audit log's keyring, id:key[,id:key...]; make a key with "
        + KEY_RECIPE.format(n=32)
        + " (docs/adr/0003-audit-chain.md)"
    ),
}


def missing_or_invalid(environ: Mapping[str, str]) -> list[str]:
    """One line per variable that is missing or unusable, naming it and saying what it is."""
    problems = [
        f"{name} is not set: {hint}"
        for name, hint in REQUIRED.items()
        if not environ.get(name, "").strip()
    ]
    secret = environ.get("SAMVERKAN_SECRET_KEY", "").strip()
    if secret and (len(secret) < 50 or secret.startswith(("dev-only-", "test-only-"))):
        problems.append(
            "SAMVERKAN_SECRET_KEY is too short or a development key: "
            + REQUIRED["SAMVERKAN_SECRET_KEY"]
        )
    base_url = environ.get("SAMVERKAN_BASE_URL", "").strip()
    if base_url and not base_url.startswith("https://"):
        problems.append(f"SAMVERKAN_BASE_URL must start with https:// (it is {base_url!r})")
    sender = environ.get("SAMVERKAN_FROM_EMAIL", "").strip()
    if sender and "@" not in sender:
        problems.append(f"SAMVERKAN_FROM_EMAIL must be an e-mail address (it is {sender!r})")
    return problems


def refusal(problems: list[str]) -> str:
    """The message production settings stop with."""
    lines = "\n".join(f"  - {problem}" for problem in problems)
    return (
        "Samverkan will not start with production settings: the environment lacks what it "
        f"needs.\n{lines}\nSet these in /etc/samverkan/samverkan.env (see "
        "docs/runbooks/production.md)."
    )
