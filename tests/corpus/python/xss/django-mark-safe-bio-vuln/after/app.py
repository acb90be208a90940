from django.shortcuts import render
from django.utils.safestring import mark_safe

from .models import Profile


def profile(request, username):
    profile = Profile.objects.get(user__username=username)
    bio = request.GET.get("preview") or profile.bio
    return render(request, "profile.html", {"bio": mark_safe(bio)})
