"""Room on the frame stack for a request (apps/core/stack.py)."""

import resource

from django.http import HttpRequest, HttpResponse

from apps.core.stack import StackHeadroomMiddleware, with_headroom

CALLS = 300  # calls made at each depth
DEPTHS = range(0, 400)  # more than two chunks' worth of the recursion's small frames


def _leaf():
    # More locals than a frame of ``_descend``: at the depth where the next ``_descend`` would
    # no longer fit in its chunk, this call does not fit either.
    a = b = c = d = e = f = g = h = i = j = k = m = n = p = q = r = s = t = u = v = 0
    return a + b + c + d + e + f + g + h + i + j + k + m + n + p + q + r + s + t + u + v


def _descend(depth):
    if depth:
        return _descend(depth - 1)
    for _ in range(CALLS):
        _leaf()
    return None


def _page_faults_of_calls_at_every_depth() -> int:
    """The memory pages first touched while a small function is called repeatedly at every
    depth of ``DEPTHS``: a new stack chunk is fresh memory, touched on each call that needs
    it."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for depth in DEPTHS:
        _descend(depth)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_the_request_goes_through_unchanged():
    response = HttpResponse("the view's answer")
    seen = []

    def view(request):
        seen.append(request)
        return response

    request = HttpRequest()
    assert StackHeadroomMiddleware(view)(request) is response
    assert seen == [request]


def test_calls_under_it_take_no_new_stack_memory_whatever_their_depth():
    with_headroom(_page_faults_of_calls_at_every_depth)  # warm: the pages the loop itself uses
    assert with_headroom(_page_faults_of_calls_at_every_depth) < 50


def test_without_it_python_maps_memory_for_each_call_at_a_chunk_boundary():
    # The interpreter's fault that the middleware works around (python/cpython#142183): when
    # this fails, the Python in use keeps a chunk aside, and apps/core/stack.py can go.
    _page_faults_of_calls_at_every_depth()
    assert _page_faults_of_calls_at_every_depth() >= CALLS
