import os

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop",
        "PASSWORD": "Sup3rS3cretPgPass",
        "HOST": os.environ.get("DB_HOST", "localhost"),
    }
}
