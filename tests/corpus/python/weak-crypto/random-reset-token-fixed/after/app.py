import secrets

from .models import PasswordReset


def create_reset(user):
    token = secrets.token_urlsafe(32)
    return PasswordReset.objects.create(user=user, token=token)
