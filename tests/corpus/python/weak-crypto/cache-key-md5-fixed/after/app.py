import hashlib

from django.core.cache import cache


def cached_render(template, context):
    key = "render:" + hashlib.md5(template.encode(), usedforsecurity=False).hexdigest()
    html = cache.get(key)
    if html is None:
        html = template.format(**context)
        cache.set(key, html, 300)
    return html
