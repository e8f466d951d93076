from django.conf import settings
from django.utils import translation


class UserLanguageMiddleware:
    """Use the signed-in user's preferred language unless this browser chose one.

    Runs after ``LocaleMiddleware`` (cookie, then Accept-Language) and
    ``AuthenticationMiddleware``: an explicit choice in the language switcher (the language
    cookie) wins; otherwise the language saved on the user's profile replaces the browser's
    Accept-Language guess.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not translation.check_for_language(
                request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or ""
            )
            and translation.check_for_language(user.language)
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
