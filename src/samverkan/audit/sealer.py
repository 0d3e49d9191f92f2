"""The sealer: links committed audit entries into their chains off the request path (ADR 0003).

A request only appends an entry with its MAC; `seal_audit --loop` runs `seal_round` every
SEAL_EVERY seconds beside the task worker (systemd: samverkan-sealer.service; `samverkan serve
--with-worker` starts it too), so an entry stays unsealed for seconds. The timer-driven
`seal_audit` (one round) stays as the fallback, and `verify_audit` seals before it verifies.
"""

import logging
import threading
from dataclasses import dataclass, field

from django.db import close_old_connections, connections

from .chain import audit_chains, in_chain, seal_pending
from .models import AuditEvent

logger = logging.getLogger(__name__)

SEAL_EVERY = 2.0  # seconds between rounds: the unsealed window is this plus one round


@dataclass
class RoundOutcome:
    flushed: int = 0
    linked: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)  # label -> note
    rejected_count: int = 0

    @property
    def total(self) -> int:
        return sum(self.linked.values())


def seal_round() -> RoundOutcome:
    """Write the entries of closed denial windows, then seal every chain with pending entries.
    A chain with nothing pending is only looked at (an indexed read), its head never locked."""
    from .services import flush_denials

    outcome = RoundOutcome(flushed=flush_denials())
    for chain_id, label, _name in audit_chains():
        if not AuditEvent.objects.filter(in_chain(chain_id), sealed_at__isnull=True).exists():
            continue
        sealed = seal_pending(municipality_id=chain_id)
        if sealed.linked:
            outcome.linked[label] = sealed.linked
        if sealed.rejected:
            outcome.rejected[label] = sealed.rejected_note(label)
            outcome.rejected_count += len(sealed.rejected)
    return outcome


def run(*, every: float = SEAL_EVERY, stop: threading.Event) -> None:
    """Seal a round every `every` seconds until `stop` is set. A failed round (the database
    restarting, a lock timeout) is logged and the next one tried on a fresh connection: the
    loop ends only when told to."""
    while not stop.is_set():
        close_old_connections()
        try:
            outcome = seal_round()
        except Exception:
            logger.exception("audit sealing round failed; trying again in %g s", every)
            connections.close_all()
        else:
            for label, linked in outcome.linked.items():
                logger.debug("audit chain %s: sealed %d entries", label, linked)
            for note in outcome.rejected.values():
                logger.error(note)
        stop.wait(every)
