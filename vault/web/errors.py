from django.shortcuts import render

from vault.api.errors import api_not_found


def not_found(request, exception=None):
    """API paths answer the JSON error shape; pages answer the friendly not-found page."""
    if request.path.startswith("/api/"):
        return api_not_found(request, exception)
    return render(request, "web/not_found.html", status=404)
