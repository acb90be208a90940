import hashlib
import os

from .models import User


def register(username, password):
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1).hex()
    return User.objects.create(username=username, password_hash=salt.hex() + "$" + digest)
