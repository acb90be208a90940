"""GitHub sign-in's two routes; allauth.urls includes this module under /accounts/ (the names
allauth's GitHub provider gives them)."""

from django.urls import path

from github_app.signin import github_callback, github_login

urlpatterns = [
    path("github/login/", github_login, name="github_login"),
    path("github/login/callback/", github_callback, name="github_callback"),
]
