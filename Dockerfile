# Production image: gunicorn for the web, the same image for the Celery worker and beat.
FROM python:3.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    REVIEWBENCH_DATA_DIR=/var/lib/reviewbench

RUN apt-get update \
 && apt-get install -y --no-install-recommends git \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /app reviewbench \
 && mkdir -p /var/lib/reviewbench && chown reviewbench /var/lib/reviewbench

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY --chown=reviewbench . .

USER reviewbench
# collectstatic needs settings to import; the real secret comes from the environment at run time.
RUN DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput

EXPOSE 8000
# The same entry point compose and the tests use: scripts/serve migrate|web|worker|beat.
CMD ["scripts/serve", "web"]
