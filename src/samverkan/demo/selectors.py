"""Reads for the demo: the role logins of a demo municipality."""

from dataclasses import dataclass

from django.contrib.auth.hashers import check_password
from django.utils import timezone

from samverkan.access.models import RoleAssignment, User

from . import data


@dataclass(frozen=True)
class DemoLogin:
    role_label: str
    username: str
    unit_name: str


def demo_login_list(*, code: str = data.DEFAULT_CODE) -> list[DemoLogin]:
    """The role logins of the municipality with `code`, one per role, in the order of
    data.ROLE_LOGINS. Only accounts that still carry the demo password are listed, so a real
    tenant that happens to use the code or a username never has a password printed."""
    prefix = data.username_prefix(code)
    users = {
        user.username: user
        for user in User.objects.filter(
            municipality__code=code,
            is_active=True,
            username__in=[prefix + login.username for login in data.ROLE_LOGINS],
        ).only("id", "username", "password")
    }
    # Demo users share one hash (one salt); a real password never matches it. One check each.
    demo_hashes = {
        password
        for password in {user.password for user in users.values()}
        if check_password(data.PASSWORD, password)
    }
    units: dict[tuple[str, str], list[str]] = {}
    assignments = (
        RoleAssignment.objects.valid_on(timezone.localdate())
        .filter(user_id__in=[user.pk for user in users.values()])
        .select_related("unit")
        .order_by("unit__name", "pk")
    )
    for assignment in assignments:
        units.setdefault((str(assignment.user_id), assignment.role), []).append(
            assignment.unit.name
        )
    logins = []
    for login in data.ROLE_LOGINS:
        user = users.get(prefix + login.username)
        if user is None or user.password not in demo_hashes:
            continue
        names = units.get((str(user.pk), login.role), [])
        if login.unit in names:  # the unit the login was made for comes first
            names = [login.unit, *(name for name in names if name != login.unit)]
        unit_name = names[0] if names else ""
        if len(names) > 1:
            unit_name = f"{unit_name} (+{len(names) - 1})"
        logins.append(DemoLogin(str(login.role.label), user.username, unit_name))
    return logins
