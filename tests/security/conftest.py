"""The access matrix's world of cases in every state, for the other tests of the whole portal
(tests/security/test_fuzzing.py) too."""

from tests.security.test_access_matrix import world  # noqa: F401
