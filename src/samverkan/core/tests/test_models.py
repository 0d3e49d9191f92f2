"""BaseModel's get_FOO_display(): the choices' mapping is made once, the label still follows
the request's language (issue #16: the display method was a per-row cost of list pages)."""

from django.utils import translation

from samverkan.intake.models import IntakeItem, ItemKind


def test_display_follows_the_language_and_falls_back_to_the_value() -> None:
    item = IntakeItem(status=IntakeItem.Status.DECIDED, kind=ItemKind.REPORT)
    with translation.override("sv"):
        assert item.get_status_display() == "Beslutad"
        assert item.get_kind_display() == "Orosanmälan"
    with translation.override("en"):
        assert item.get_status_display() == str(IntakeItem.Status.DECIDED.label)
        assert item.get_status_display() != "Beslutad"
        # The second call reads the mapping made by the first, in this language too.
        assert item.get_kind_display() == str(ItemKind.REPORT.label)
    item.status = "no-such-status"
    assert item.get_status_display() == "no-such-status"
