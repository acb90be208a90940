from django.shortcuts import render
from django.utils.html import format_html

from .models import Profile


def profile(request, username):
    profile = Profile.objects.get(user__username=username)
    bio = request.GET.get("preview") or profile.bio
    return render(request, "profile.html", {"bio": format_html("<p>{}</p>", bio)})
