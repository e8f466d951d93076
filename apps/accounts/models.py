from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in. What they may do follows from memberships and the UNODA role."""

    email = models.EmailField(_("e-mail address"), unique=True)
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    is_unoda_officer = models.BooleanField(
        _("UNODA officer"),
        default=False,
        help_text=_("UNODA case officers see and act on every case."),
    )
    two_factor_required = models.BooleanField(
        _("two-factor authentication required"),
        default=False,
        help_text=_(
            "Asks for an authenticator code after the password even where the role does not "
            "(officers, staff and superusers always need one). Set when an administrator resets "
            "the user's two-factor authentication, so that they enrol again at the next sign-in."
        ),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username
