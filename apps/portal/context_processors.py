"""What the navigation of every page needs to know of the user: which menus are theirs."""

from dataclasses import dataclass

from apps.organizations.selectors import user_is_unoda, user_memberships


@dataclass(frozen=True)
class Roles:
    unoda: bool
    donor: bool
    state: bool  # a member of a requesting State


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    organizations = [m.organization for m in user_memberships(user)]
    return {
        "roles": Roles(
            unoda=user_is_unoda(user),
            donor=any(o.is_donor for o in organizations),
            state=any(o.is_recipient for o in organizations),
        ),
        # The States the user works for: each one's needs by national plan is in the menu.
        "own_states": [o for o in organizations if o.is_recipient],
    }
