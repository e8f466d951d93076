"""Demo data of the core app: the demo officer ``officer`` is a UNODA coordinator (sets the
exchange rates and the portal settings); ``officer2`` stays an ordinary officer. Called by
``seed_demo``."""

from django.contrib.auth.models import Group

from .selectors import COORDINATORS_GROUP


def load_demo(*, rng, orgs, users):
    # As the admin grants the role: by adding the officer to the group.
    Group.objects.get(name=COORDINATORS_GROUP).user_set.add(users["officer"])
