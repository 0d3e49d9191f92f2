"""`{% intake_field %}`: includes/field.html for the forms of intake's item page and queue, with
the HTML of a field of an unbound form kept for the next page.

An unbound field's HTML depends only on the form class, the field, the language, its initial
value, its choices and the include's options: the page shows up to a dozen such fields, and
rendering each through includes/field.html was a fifth of the page's time. A bound form (the
page again after bad input) is rendered as the include renders it, every time."""

import html
from typing import Any

from django import template
from django.forms import BoundField
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

_KEPT: dict[tuple[Any, ...], SafeString] = {}
_KEPT_MAX = 512  # a worker's initial value and a unit's workers are part of the key


def _render(field: BoundField, options: dict[str, Any]) -> SafeString:
    html = get_template("includes/field.html").render({"field": field, **options})
    return mark_safe(html)  # noqa: S308 - the template escaped it


def _hidden(field: BoundField) -> SafeString:
    """Django's HiddenInput as its template writes it, without the form renderer's templates
    (a page has three): the widget's own HTML when it carries attributes of its own."""
    widget = field.field.widget
    if (
        widget.attrs
        or field.build_widget_attrs({}, widget)
        or widget.is_localized
        or not field.auto_id
    ):
        return mark_safe(f"{field}\n")  # noqa: S308 - Django's widget escaped it
    value = field.value()
    shown = "" if value is None or value == "" else f' value="{html.escape(str(value))}"'
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<input type="hidden" name="{html.escape(field.html_name)}"{shown}'
        f' id="{html.escape(field.auto_id)}">\n'
    )


@register.simple_tag
def intake_field(field: BoundField, **options: Any) -> SafeString:
    """{% include "includes/field.html" with field=... %}, options as the include's."""
    if field.form.is_bound:
        return _render(field, options)
    if field.is_hidden:
        # A hidden field renders bare (its value may be new on every page: a request id).
        return _hidden(field)
    value = field.value()
    choices = getattr(field.field, "choices", None)
    key = (
        type(field.form).__qualname__,
        field.html_name,
        get_language(),
        repr(value),
        tuple((str(k), str(v)) for k, v in choices) if choices is not None else None,
        tuple(sorted(options.items())),
    )
    html = _KEPT.get(key)
    if html is None:
        if len(_KEPT) >= _KEPT_MAX:
            _KEPT.clear()
        html = _KEPT[key] = _render(field, options)
    return html
