"""Room on the interpreter's frame stack for a whole request.

CPython 3.11 keeps the frames of Python calls in chunks of 16 KiB. A call that does not fit
in the current chunk gets a new one from the operating system (``mmap``), and the chunk is
given back (``munmap``) as soon as that call returns. A loop whose calls sit just across such a
boundary therefore maps and unmaps memory on every call: python/cpython#142183, fixed for 3.13
and 3.14 in March 2026 by keeping one chunk aside. Where a boundary falls depends only on how
deep the stack is, so a page can lose a fifth to a third of its time to it (rendering a table,
every cell's call crossing) and win it back when a middleware is added or removed:
docs/performance.md.

``StackHeadroomMiddleware`` runs each request under a call whose frame is larger than a
chunk: CPython gives it a chunk of its own, sized to twice what it needs (128 KiB), and the
request's frames all fit in the rest of it, some 70 KiB (several hundred calls: the
benchmark's pages touch 4 to 41 new memory pages a request, against 1,500 before). The frame
is large through its expression stack, which is never written to, so the memory behind it is
never touched. On a Python that keeps a chunk aside this costs nothing and changes nothing.
"""

# The frame's extra size, in stack slots of 8 bytes: 57 KiB, which CPython rounds up (with its
# margin of 1,000 slots) to a chunk of 128 KiB, leaving the request about 73 KiB.
HEADROOM_SLOTS = 7_200


def with_headroom(function, *args):
    """``function(*args)``, called from a frame that has a stack chunk of its own with room
    for every call below it."""
    return function(*args)


with_headroom.__code__ = with_headroom.__code__.replace(
    co_stacksize=with_headroom.__code__.co_stacksize + HEADROOM_SLOTS
)


class StackHeadroomMiddleware:
    """First of all middleware: the request, every other middleware and the view run with
    room on the frame stack (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return with_headroom(self.get_response, request)
