from django.utils.functional import SimpleLazyObject

from people.access import scope_for


def scope(request):
    """Every template may ask `scope` what the user may see; it costs nothing until asked."""
    return {"scope": SimpleLazyObject(lambda: scope_for(request.user))}
