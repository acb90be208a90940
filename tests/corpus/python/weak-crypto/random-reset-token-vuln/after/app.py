import random
import string

from .models import PasswordReset


def create_reset(user):
    alphabet = string.ascii_letters + string.digits
    token = "".join(random.choice(alphabet) for _ in range(32))
    return PasswordReset.objects.create(user=user, token=token)
