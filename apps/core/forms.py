"""What every form of the portal shares."""

from django.core.exceptions import ValidationError


def add_service_errors(form, error: ValidationError) -> None:
    """A service's refusal shown on the form: next to its field where the form has one, above
    the form otherwise (the form keeps what was typed)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
