"""The status track: where a case is in its lifecycle, what comes next and who acts."""

import pytest

from apps.cases.models import Status
from apps.cases.workflow import LIFECYCLE, NEXT_STEPS, TERMINAL, Role, status_track


def states(track):
    return {stage.status: stage.state for stage in track.stages}


def test_a_draft_is_at_the_first_stage_and_the_state_acts():
    track = status_track(Status.DRAFT)
    assert states(track)[Status.DRAFT] == "current"
    assert all(state == "ahead" for status, state in states(track).items() if status != "draft")
    assert track.actors == {Role.RECIPIENT}
    assert track.actor_labels == ["The requesting State"]
    assert track.ended is None


def test_a_request_returned_for_revision_is_still_in_review_and_the_state_acts():
    track = status_track(Status.NEEDS_REVISION)
    assert states(track)[Status.SUBMITTED] == "done"
    assert states(track)[Status.UNDER_REVIEW] == "current"
    assert states(track)[Status.PUBLISHED] == "ahead"
    assert track.actors == {Role.RECIPIENT}


def test_a_withdrawn_case_stops_where_it_was_withdrawn():
    track = status_track(Status.WITHDRAWN, stopped_at=Status.PUBLISHED)
    assert track.ended == Status.WITHDRAWN
    assert [s for s, state in states(track).items() if state == "done"] == list(
        LIFECYCLE[: LIFECYCLE.index(Status.PUBLISHED) + 1]
    )
    assert "current" not in states(track).values()
    assert track.next_step is None
    assert not track.actors


def test_a_withdrawn_case_whose_change_is_not_at_hand_shows_only_its_end():
    track = status_track(Status.DECLINED)
    assert track.ended == Status.DECLINED
    assert set(states(track).values()) == {"ahead"}


def test_a_closed_case_has_every_stage_done_and_nothing_next():
    track = status_track(Status.CLOSED)
    assert set(states(track).values()) == {"done"}
    assert track.next_step is None
    assert track.ended is None


@pytest.mark.parametrize("status", sorted(set(Status) - TERMINAL))
def test_every_open_status_says_what_comes_next_and_who_acts(status):
    assert status in NEXT_STEPS
    track = status_track(status)
    assert track.next_step
    assert track.actors
