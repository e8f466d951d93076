"""The table of events (apps/cases/events.py) against the transitions and the recording services:
no transition, no record and no event is left out."""

import inspect
import re

import pytest
from django.utils.translation import override

from apps.cases import framework as case_framework
from apps.cases import services as case_services
from apps.cases.events import EVENTS, TRANSITION_EVENTS, Event, Party, Topic
from apps.cases.workflow import TRANSITIONS
from apps.followup import services as followup_services
from apps.funding import services as funding_services
from apps.reminders.models import Stage, Watch
from apps.reminders.services import reminder_event

# Each recording service and the event it notifies (through a helper of its module where
# several share one: ``_notify_record``, ``_notify_commitment``, ``_referral_notify``).
RECORDING = [
    (case_services.comment_add, Event.COMMENT),
    (case_services.request_assign_officer, Event.ASSIGNED),
    (funding_services.interest_express, Event.INTEREST_EXPRESSED),
    (funding_services.interest_withdraw, Event.INTEREST_WITHDRAWN),
    (funding_services.commitment_create, Event.COMMITMENT_MADE),
    (funding_services.commitment_update, Event.COMMITMENT_CHANGED),
    (funding_services.commitment_confirm, Event.COMMITMENT_CHANGED),
    (funding_services.commitment_cancel, Event.COMMITMENT_CHANGED),
    (funding_services.disbursement_record, Event.DISBURSEMENT),
    (funding_services.meeting_record_outcome, Event.MEETING_OUTCOME),
    (funding_services.offer_referral_ask, Event.REFERRAL_ASKED),
    (funding_services.offer_referral_bring, Event.REFERRAL_BROUGHT),
    (funding_services.offer_referral_decline, Event.REFERRAL_DECLINED),
    (followup_services.agreement_record, Event.AGREEMENT_RECORDED),
    (followup_services.agreement_update, Event.AGREEMENT_AMENDED),
    (followup_services.milestone_complete, Event.MILESTONE_DONE),
    (followup_services.progress_report_submit, Event.PROGRESS_REPORT),
    (followup_services.feedback_submit, Event.FEEDBACK_SUBMITTED),
    (followup_services.feedback_waive, Event.FEEDBACK_WAIVED),
]
# Every other public service, and why nobody is notified of it: a new public service must be
# added to RECORDING or here, with its reason.
SILENT = {
    "request_create": "a draft is the State's own until it is submitted",
    "request_update": "the proposal's edits show on the case page; its submission is told",
    "request_translate": "a translation of the proposal, no one has to act",
    "request_sync_permissions": "not an event: called by the services above",
    "request_transition": "told through TRANSITION_EVENTS",
    "attachment_add": "a document of the proposal, read on the case page",
    "attachment_store": "part of the service that stores the document",
    "case_link_add": "UNODA's own cross-reference between cases",
    "case_link_remove": "UNODA's own cross-reference between cases",
    "lesson_publish": "UNODA's publication on the lessons page, with the parties' consent given "
    "in their feedback",
    "lesson_withdraw": "UNODA takes its own publication back",
    "case_duplicate_decide": "UNODA's own decision; withdrawing a duplicate notifies as the "
    "withdrawal (request_transition)",
    "interest_coverage_update": "which lines an interest covers: shown in coordination",
    "commitment_coverage_update": "which lines a tranche covers: shown in coordination",
    "exchange_rate_set": "reference data of UNODA, no case",
    "stored_rates_fill": "reference data of UNODA, no case",
    "offer_create": "a donor's offer is matched and brought by UNODA (referrals)",
    "offer_update": "a donor's offer is matched and brought by UNODA (referrals)",
    "meeting_create": "UNODA prepares a meeting; its outcomes are told",
    "meeting_update": "UNODA prepares a meeting; its outcomes are told",
    "meeting_add_item": "UNODA prepares a meeting; its outcomes are told",
    "meeting_remove_item": "UNODA prepares a meeting; its outcomes are told",
    "agreement_document_add": "the signed copy of an agreement already told of",
    "agreement_refresh_report_schedule": "not an event: called by the services above",
    "milestone_create": "the plan is the parties' own; its due day and lateness are reminded",
    "milestone_update": "the plan is the parties' own; its due day and lateness are reminded",
    "milestone_reopen": "a correction of 'done'; the milestone is reminded again when due",
    "feedback_save": "a draft of the party's own feedback",
    "feedback_waiver_withdraw": "the party's feedback is chased again by the feedback reminder",
    "requests_check_consistency": "a check of UNODA's: its findings are e-mailed to coordinators",
    "result_create": "the results framework is part of the proposal, whose submission is told",
    "result_update": "the results framework is part of the proposal, whose submission is told",
    "result_remove": "the results framework is part of the proposal, whose submission is told",
    "indicator_create": "the results framework is part of the proposal, whose submission is told",
    "indicator_update": "the results framework is part of the proposal, whose submission is told",
    "indicator_remove": "the results framework is part of the proposal, whose submission is told",
}
REMINDED = {reminder_event(type("Rule", (), {"watch": w}), s) for w in Watch for s in Stage}
NAMED = {"reference", "title", "status", "actor", "donor", "organization", "amount", "date",
         "record", "start", "end", "comment"}  # fmt: skip


def test_every_transition_has_its_event_or_is_told_by_its_record():
    assert set(TRANSITION_EVENTS) == set(TRANSITIONS)
    for name, transition in TRANSITIONS.items():
        # A transition fired by its record (an interest, an agreement) is told of by the
        # record's own event; every other one has an event of its own.
        assert (TRANSITION_EVENTS[name] is None) == transition.by_record, name


def test_every_public_service_notifies_or_says_why_not():
    public = {
        name
        for module in (case_services, case_framework, funding_services, followup_services)
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__ and not name.startswith("_")
    }
    recording = {service.__name__ for service, _event in RECORDING}
    assert public == recording | set(SILENT)
    assert not recording & set(SILENT)


@pytest.mark.parametrize(("service", "event"), RECORDING, ids=lambda v: getattr(v, "__name__", v))
def test_every_recording_service_notifies_its_event(service, event):
    assert f"Event.{event.name}" in inspect.getsource(service)
    assert "notify(" in inspect.getsource(inspect.getmodule(service))


def test_every_event_is_told_by_someone_and_to_someone():
    told = set(TRANSITION_EVENTS.values()) | {event for _s, event in RECORDING} | REMINDED
    assert told - {None} == set(Event)
    assert set(EVENTS) == set(Event)
    for spec in EVENTS.values():
        assert spec.parties, spec.event
        assert spec.topic in Topic
        # The reminders are the rules' to address; nothing else is.
        assert (Party.RULE in spec.parties) == (spec.event in REMINDED), spec.event


@pytest.mark.parametrize("event", [e for e in Event if EVENTS[e].subject])
@pytest.mark.parametrize("language", ["en", "ar", "zh-hans", "fr", "ru", "es"])
def test_every_message_fills_in_every_language(event, language):
    """The words of each event use only the named values notify fills, in every language (a
    translation that drops or misspells one would fail at the moment of notifying)."""
    spec = EVENTS[event]
    with override(language):
        for text in (str(spec.subject), str(spec.body)):
            assert set(re.findall(r"%\((\w+)\)s", text)) <= NAMED, (event, text)
            assert text % dict.fromkeys(NAMED, "x")
