"""Writes of the portal: the queue's saved views (only their owner changes them)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.security.models import AuditKind
from apps.security.services import audit_record

from .forms import queue_query
from .models import SavedView

NAME_TAKEN = "name_taken"


def _name_taken() -> ValidationError:
    return ValidationError(
        {"name": _("You already have a saved view with this name; choose another name.")},
        code=NAME_TAKEN,
    )


def _audit(actor, saved_view: SavedView, action: str, **detail) -> None:
    audit_record(
        kind=AuditKind.CHANGE,
        actor=actor,
        obj=saved_view,
        detail={"action": action, "name": saved_view.name, **detail},
    )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the view a name.")}, code="required")
    if len(name) > SavedView._meta.get_field("name").max_length:
        raise ValidationError({"name": _("The name is too long.")}, code="max_length")
    return name


def saved_view_create(*, actor, name: str, query: str, shared: bool = False) -> SavedView:
    """Save the queue's ``query`` (checked and normalised by ``forms.queue_query``) under
    ``name`` for ``actor``. Saving the same view under the same name again (a form sent twice)
    returns the first one; another view under a name the owner already uses is refused."""
    name = _clean_name(name)
    query = queue_query(query, user=actor)
    with transaction.atomic():
        existing = (
            SavedView.objects.select_for_update().filter(owner=actor, name__iexact=name).first()
        )
        if existing is not None:
            if existing.query == query and existing.shared == shared:
                return existing
            raise _name_taken()
        try:
            with transaction.atomic():
                saved_view = SavedView.objects.create(
                    owner=actor, name=name, query=query, shared=shared
                )
        except IntegrityError:
            # Another request of the same owner saved this name in the meantime.
            existing = SavedView.objects.filter(owner=actor, name__iexact=name).first()
            if existing is not None and existing.query == query and existing.shared == shared:
                return existing
            raise _name_taken() from None
        _audit(actor, saved_view, "saved_view_create", query=query, shared=shared)
    return saved_view


def _locked_own(actor, saved_view: SavedView) -> SavedView:
    if saved_view.owner_id != actor.pk:
        raise PermissionDenied
    return SavedView.objects.select_for_update().get(pk=saved_view.pk)


def saved_view_update(
    *, actor, saved_view: SavedView, name: str | None = None, shared: bool | None = None
) -> SavedView:
    """Rename the owner's saved view, share it with colleagues or stop sharing it."""
    with transaction.atomic():
        locked = _locked_own(actor, saved_view)
        changed = []
        if name is not None:
            name = _clean_name(name)
            if name != locked.name:
                if (
                    SavedView.objects.filter(owner=actor, name__iexact=name)
                    .exclude(pk=locked.pk)
                    .exists()
                ):
                    raise _name_taken()
                locked.name = name
                changed.append("name")
        if shared is not None and shared != locked.shared:
            locked.shared = shared
            changed.append("shared")
        if changed:
            try:
                with transaction.atomic():
                    locked.save(update_fields=[*changed, "updated_at"])
            except IntegrityError:
                raise _name_taken() from None
            _audit(actor, locked, "saved_view_update", changed=changed, shared=locked.shared)
    return locked


def saved_view_delete(*, actor, saved_view: SavedView) -> None:
    """Delete the owner's saved view (colleagues it was shared with no longer see it)."""
    with transaction.atomic():
        locked = _locked_own(actor, saved_view)
        _audit(actor, locked, "saved_view_delete", query=locked.query)
        locked.delete()
