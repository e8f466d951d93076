from apps.organizations.selectors import user_is_unoda


def can_download_iati(user) -> bool:
    """UNODA's signed-in IATI file holds every agreed case, the public ones exactly as the public
    file does. It is the reporting organisation's view, so only UNODA downloads it; donors and
    States read the public file (an activity identifier never means two contents)."""
    return user_is_unoda(user)
