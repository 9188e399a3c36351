"""The site's own 404 and 400 pages while developing (DEBUG on), unless DEBUG_PAGES asks
for Django's: Django's technical 404 page lists every URL of the site, which is not what
someone walking the demo with `make run` should meet at a mistyped address. A 500 keeps
Django's traceback page, which is what a developer needs.

Django decides this inside django.core.handlers.exception, reading
`django.views.debug.technical_404_response` and `technical_500_response` at each error;
`use_site_error_pages` (called by ops.apps at start-up) replaces those two with functions
that answer 404 and 400 through the site's handlers (templates/404.html, 400.html).
"""


def use_site_error_pages() -> None:
    from django.core.handlers.exception import get_exception_response
    from django.urls import get_resolver, get_urlconf
    from django.views import debug

    if getattr(debug, "site_error_pages", False):
        return
    technical_500_response = debug.technical_500_response

    def not_found(request, exception):
        return get_exception_response(request, get_resolver(get_urlconf()), 404, exception)

    def error(request, exc_type, exc_value, tb, status_code=500):
        if status_code == 400:
            return get_exception_response(request, get_resolver(get_urlconf()), 400, exc_value)
        return technical_500_response(request, exc_type, exc_value, tb, status_code=status_code)

    debug.technical_404_response = not_found
    debug.technical_500_response = error
    debug.site_error_pages = True
