"""Nothing typed is lost, nothing is sent twice (DESIGN principle 3; docs/forms.md).

A *draft* is one person's filling-in of one form about one subject (a child, a school, an
item). Its token is the form's `request_id`: the services store it under a unique constraint,
so a repeat returns the first result. The token is kept in the session per form and subject, so
the form reached again by a reload, a language switch or Back after sending carries the same
token; sending retires it (the session remembers the receipt), and a second submission of it
shows "Redan skickad" with the first receipt and the words just posted, ready to be sent as new.

Nothing here reads the database except through the session, and `resend_fields` not even that:
the database-error page (core.views.server_error) uses it while the database is down.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils import timezone

SESSION_KEY = "drafts"  # {"<form>:<subject>": token}
SENT_KEY = "drafts_sent"  # {token: {"url", "label", "at"}}
CLEAR_KEY = "drafts_clear"  # tokens whose browser copy the next page forgets
# A sent draft's token is offered again this long: Back or a reload after sending then shows
# "Redan skickad", not a fresh form that would send the same words a second time.
KEEP_SENT = datetime.timedelta(hours=2)
MAX_KEPT = 40  # tokens kept per session; the oldest go first
NEW_PARAM = "ny"
TOKEN_FIELD = "request_id"  # noqa: S105 (a field name, not a secret)
CONFIRM_DUPLICATE_FIELD = "confirm_duplicate"
SKIPPED_FIELDS = frozenset({"csrfmiddlewaretoken", TOKEN_FIELD, CONFIRM_DUPLICATE_FIELD})


@dataclass(frozen=True)
class SentDraft:
    """The receipt of a draft already sent: where it is and what to call it (a reference)."""

    url: str
    label: str


@dataclass(frozen=True)
class Draft:
    """One form's draft: its token, and its receipt when it has been sent already."""

    name: str
    token: uuid.UUID
    sent: SentDraft | None = None
    new_url: str = ""  # the same form with a new token ("Börja på ett nytt formulär")


def _key(name: str, subject: object) -> str:
    return f"{name}:{subject or ''}"


def _expired(at: str, now: datetime.datetime) -> bool:
    try:
        return now - datetime.datetime.fromisoformat(at) > KEEP_SENT
    except ValueError:
        return True


def sent_draft(request: HttpRequest, token: object) -> SentDraft | None:
    """The receipt of the draft with this token, when this session has sent it recently."""
    record = request.session.get(SENT_KEY, {}).get(str(token or ""))
    if not record or _expired(record.get("at", ""), timezone.now()):
        return None
    return SentDraft(url=str(record["url"]), label=str(record["label"]))


def _new_url(request: HttpRequest) -> str:
    query = request.GET.copy()
    query[NEW_PARAM] = "1"
    return f"{request.path}?{query.urlencode()}"


def draft_start(request: HttpRequest, name: str, subject: object = None) -> Draft:
    """The draft of form `name` about `subject` in this session: the same token until it was
    sent more than KEEP_SENT ago."""
    drafts: dict[str, str] = dict(request.session.get(SESSION_KEY, {}))
    key = _key(name, subject)
    token = drafts.get(key)
    new_url = _new_url(request)
    if token:
        record = request.session.get(SENT_KEY, {}).get(token)
        if record is None:
            return Draft(name=name, token=uuid.UUID(token), new_url=new_url)
        sent = sent_draft(request, token)
        if sent is not None:
            return Draft(name=name, token=uuid.UUID(token), sent=sent, new_url=new_url)
    token = str(uuid.uuid4())
    drafts.pop(key, None)
    drafts[key] = token
    request.session[SESSION_KEY] = dict(list(drafts.items())[-MAX_KEPT:])
    return Draft(name=name, token=uuid.UUID(token), new_url=new_url)


def draft_restart(request: HttpRequest, name: str, subject: object = None) -> HttpResponse | None:
    """`?ny=1`: forget the form's sent draft and show the form again with a new token (a
    redirect, so that Back never lands on a URL that starts yet another draft)."""
    if request.method != "GET" or NEW_PARAM not in request.GET:
        return None
    draft_forget(request, name, subject)
    query = request.GET.copy()
    del query[NEW_PARAM]
    return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)


def draft_forget(request: HttpRequest, name: str, subject: object = None) -> None:
    """The form shows a new draft next time: for a form on its own receipt page (a
    supplement under the item it adds to), where "already sent" would stand in the way of
    the next one. A repeat of the sent token still shows "Redan skickad"."""
    drafts: dict[str, str] = dict(request.session.get(SESSION_KEY, {}))
    if drafts.pop(_key(name, subject), None) is not None:
        request.session[SESSION_KEY] = drafts


def draft_retire(request: HttpRequest, token: object, *, url: str, label: str) -> None:
    """Record that the draft was sent (its receipt) and let the next page forget the copy the
    browser kept (sessionStorage). No token (a client that posted none): nothing to retire."""
    if not token:
        return
    sent: dict[str, dict[str, str]] = dict(request.session.get(SENT_KEY, {}))
    now = timezone.now()
    sent = {k: v for k, v in sent.items() if not _expired(v.get("at", ""), now)}
    sent[str(token)] = {"url": url, "label": label, "at": now.isoformat()}
    request.session[SENT_KEY] = dict(list(sent.items())[-MAX_KEPT:])
    clear = [t for t in request.session.get(CLEAR_KEY, []) if t != str(token)]
    request.session[CLEAR_KEY] = [*clear, str(token)][-MAX_KEPT:]


def drafts_to_clear(request: HttpRequest) -> dict[str, list[str]]:
    """Context processor: the tokens whose browser copy this page deletes (once)."""
    session = getattr(request, "session", None)
    if session is None or CLEAR_KEY not in session:
        return {"drafts_clear": []}
    return {"drafts_clear": list(session.pop(CLEAR_KEY))}


def draft_for(
    request: HttpRequest, name: str, subject: object = None, *, sending: bool = True
) -> tuple[Draft | None, HttpResponse | None]:
    """What a form view does first: (the draft to show on GET, None), or (None, the response
    that ends the request: `?ny=1` restarting the draft, or "Redan skickad" for a second
    submission of a sent draft). A POST to handle gets (None, None); `sending=False` for a
    POST that only shows the form again (a search inside it)."""
    if restarted := draft_restart(request, name, subject):
        return None, restarted
    if sending and (sent := already_sent(request)):
        return None, sent
    if request.method == "POST":
        return None, None
    return draft_start(request, name, subject), None


# ---------------------------------------------------------------------------------------------
# Forms


class DraftFormMixin:
    """A form that is one draft: its `request_id` is the draft's token (from `draft_start`),
    shown by `includes/draft.html`. Mix in before `forms.Form`; pass `draft=`."""

    draft: Draft | None
    # {"reference", "url"} of the sender's earlier submission with the same words: the form
    # shows a warning and "Skicka ändå" (posts confirm_duplicate=1).
    duplicate: dict[str, str] | None

    def __init__(self, *args: Any, draft: Draft | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.draft = draft
        self.duplicate = None
        if draft is not None:
            form: Any = self
            form.initial = {**form.initial, TOKEN_FIELD: str(draft.token)}

    @classmethod
    def initial_from(cls, data: QueryDict) -> dict[str, Any]:
        return initial_from(cls, data)  # type: ignore[arg-type]  # mixed into a forms.Form


def initial_from(form_class: type[forms.Form], data: QueryDict) -> dict[str, Any]:
    """What was posted, as the initial values of an unbound form: a page shown again for a
    reason other than sending (a search) keeps every word without showing errors."""
    initial: dict[str, Any] = {}
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.BooleanField):
            initial[name] = name in data
        elif isinstance(field, forms.MultipleChoiceField):
            initial[name] = data.getlist(name)
        elif name in data:
            initial[name] = data.get(name)
    return initial


def confirms_duplicate(request: HttpRequest) -> bool:
    """The sender chose "Skicka ändå" after the duplicate warning."""
    return request.POST.get(CONFIRM_DUPLICATE_FIELD) == "1"


def token_field(*, required: bool = True) -> forms.UUIDField:
    """The draft token's hidden field; a fresh token when the view gave no draft."""
    return forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4, required=required)


V = TypeVar("V", bound=Callable[..., HttpResponse])


def draft_form(form_class: type[forms.Form]) -> Callable[[V], V]:
    """Name the form a view posts, so the database-error page can label what was posted
    without the database (core.views.server_error)."""

    def mark(view: V) -> V:
        view.draft_form = form_class  # type: ignore[attr-defined]  # read by resend_fields
        return view

    return mark


@dataclass(frozen=True)
class ResendField:
    """A posted value shown again: text as a labelled field, the rest hidden."""

    name: str
    value: str
    label: str = ""
    multiline: bool = False

    @property
    def is_text(self) -> bool:
        return bool(self.label)


def _posted_form(request: HttpRequest) -> type[forms.Form] | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    form_class: type[forms.Form] | None = getattr(match.func, "draft_form", None)
    return form_class


def resend_fields(request: HttpRequest) -> list[ResendField]:
    """Every posted value but the CSRF token and the draft token, in the order posted; the
    text fields of the view's form (`@draft_form`) with their labels. No database."""
    form_class = _posted_form(request)
    known: Mapping[str, forms.Field] = form_class.base_fields if form_class else {}
    rows: list[ResendField] = []
    for name, values in request.POST.lists():
        if _is_token(name):
            continue
        field = known.get(name) or known.get(name.rsplit("-", 1)[-1])
        widget = field.widget if field is not None else None
        text = isinstance(widget, forms.Textarea) or (
            isinstance(widget, forms.TextInput | forms.EmailInput | forms.NumberInput)
            and not widget.is_hidden
        )
        for value in values:
            if field is not None and text:
                label = str(field.label or name)
                multiline = isinstance(widget, forms.Textarea)
                rows.append(ResendField(name, value, label=label, multiline=multiline))
            else:
                rows.append(ResendField(name, value))
    return rows


def posted_token(request: HttpRequest) -> str:
    """The draft token posted: `request_id`, or a prefixed form's `<prefix>-request_id` (one
    page with several step forms). A plain `request_id` wins: "Skicka som nytt" and the
    database-error page post the token to use as `request_id`."""
    plain = request.POST.get(TOKEN_FIELD)
    if plain:
        return str(plain)
    for name, value in request.POST.items():
        if name.endswith(f"-{TOKEN_FIELD}") and value:
            return str(value)
    return ""


def _is_token(name: str) -> bool:
    return name in SKIPPED_FIELDS or name.endswith(f"-{TOKEN_FIELD}")


def already_sent(request: HttpRequest) -> HttpResponse | None:
    """A second submission of a draft this session sent: "Redan skickad" with the first
    receipt and the words just posted, which can be sent as a new one (a new token)."""
    if request.method != "POST":
        return None
    sent = sent_draft(request, posted_token(request))
    if sent is None:
        return None
    context = {
        "sent": sent,
        "resend": resend_fields(request),
        "resend_token": uuid.uuid4(),
        "resend_action": request.get_full_path(),
    }
    return render(request, "drafts/already_sent.html", context)
