"""Reading a Content-Security-Policy header in tests."""


def policy(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: [its sources]}: django-csp writes
    the directives in no fixed order (it goes through a set), so tests compare this, never the
    header's text."""
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives if name}


# What a download answers with: nothing loads, sandboxed, should a browser ever render it.
DOWNLOAD_POLICY = {"default-src": ["'none'"], "sandbox": []}
