"""The French page of a refused form (CSRF check failed), instead of Django's English one."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
