"""Growing delays against password guessing, beside django-axes' hard lock (issue 17).

axes locks one username from one address after ten failures (AXES_LOCKOUT_PARAMETERS), so a
school behind one address is never locked out by one pupil guessing a colleague's password.
Guessing across that pair is slowed here instead, from axes' own failure records:

- per username, across addresses: someone trying one account from many machines;
- per address, across usernames: one password tried against many accounts.

After the free failures each further one doubles the wait before the next attempt is even
checked, up to a cap; an address (a whole school behind NAT) gets more free failures and a
shorter cap than one account. A refused attempt is not a failure and checks no password.
"""

import datetime
import math
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.utils import timezone


@dataclass(frozen=True)
class Rule:
    free: int  # failures in the window before any delay
    cap: int  # the longest wait, in seconds


PER_USERNAME = Rule(free=3, cap=300)
PER_ADDRESS = Rule(free=5, cap=60)


def delay_after(failures: int, rule: Rule) -> int:
    """Seconds to wait after this many failures: 0, then 2, 4, 8, ... up to the cap."""
    if failures < rule.free:
        return 0
    return int(min(2 ** (failures - rule.free + 1), rule.cap))


def _wait(where: Q, rule: Rule) -> float:
    window = timezone.now() - datetime.timedelta(hours=settings.AXES_COOLOFF_TIME)
    seen = AccessAttempt.objects.filter(where, attempt_time__gte=window).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    if not seen["failures"] or seen["last"] is None:
        return 0.0
    elapsed = (timezone.now() - seen["last"]).total_seconds()
    return float(delay_after(int(seen["failures"]), rule) - elapsed)


def wait_seconds(*, username: str, address: str | None) -> int:
    """How long this username from this address must wait before a password is checked."""
    waits = [_wait(Q(username=username), PER_USERNAME)] if username else []
    if address:
        waits.append(_wait(Q(ip_address=address), PER_ADDRESS))
    return max(0, math.ceil(max(waits, default=0.0)))
