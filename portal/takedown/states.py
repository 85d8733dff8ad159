"""How a link's takedown state follows from what happened to it: requests, answers,
rechecks. Pure rules, so the desk, the case page and the tests agree on them."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.choices import ESCALATION_CHANNELS, OPEN_LINK_STATES, WATCHED_LINK_STATES

# Where a request about a link already asked elsewhere takes it further.
_ASKED_BEFORE = frozenset({"requested", "refused", "partly_removed", "kcsc_request"})
# A platform's answer, as the state of each link it covers.
_ANSWERED = {
    "removed": "removed",
    "partly_removed": "partly_removed",
    "refused": "refused",
    "unreachable": "unreachable",
}
# Days after removal of each recheck; the last passed, the link is no longer watched.
DEFAULT_RECHECK_DAYS = (7, 30, 90)


def after_request(state: str, channel: str) -> str:
    """A request to the commission or the police about a link already asked of its platform
    escalates it; any other request (again) marks it requested."""
    if channel in ESCALATION_CHANNELS and state in _ASKED_BEFORE:
        return "kcsc_request"
    return "requested"


def after_answer(state: str, outcome: str) -> str:
    """``no_answer`` closes the request but leaves the link where it was, to escalate."""
    return _ANSWERED.get(outcome, state)


def is_open(state: str) -> bool:
    return state in OPEN_LINK_STATES


def is_watched(state: str) -> bool:
    return state in WATCHED_LINK_STATES


def first_recheck(removed_at: datetime, days: tuple[int, ...] = DEFAULT_RECHECK_DAYS) -> datetime:
    return removed_at + timedelta(days=days[0])


def following_recheck(
    previous_due: datetime, round_passed: int, days: tuple[int, ...] = DEFAULT_RECHECK_DAYS
) -> datetime | None:
    """The next check after ``round_passed`` passed ones (the days count from the removal),
    or None once the last has passed."""
    if round_passed >= len(days):
        return None
    return previous_due + timedelta(days=days[round_passed] - days[round_passed - 1])


def summarise(outcomes: list[str]) -> str | None:
    """A request's outcome over the answers for its links."""
    given = [outcome for outcome in outcomes if outcome]
    if not given:
        return None
    if len(set(given)) == 1:
        return given[0]
    if "removed" in given or "partly_removed" in given:
        return "partly_removed"
    return given[-1]


def escalation_due(
    requested_at: datetime | None, state: str, now: datetime, after_days: int
) -> bool:
    """A link asked of its platform ``after_days`` ago and still unanswered, or refused."""
    if state == "refused":
        return True
    return (
        state == "requested"
        and requested_at is not None
        and (now - requested_at >= timedelta(days=after_days))
    )
