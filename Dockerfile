# Corridor Watch web image (the second path: for users with a Docker engine).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgdal32 libgeos-c1v5 libproj25 gettext fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml requirements.lock ./
RUN pip install --no-cache-dir -c requirements.lock -e . 2>/dev/null || true
COPY . .
RUN pip install --no-cache-dir -c requirements.lock -e .
EXPOSE 8000
# Demo accounts are made once, with random passwords printed to the log and kept in
# /app/.var/demo-accounts.txt (CW_DEMO_ACCOUNTS=0: none). No known password ships.
CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py load_corridor && python manage.py demo_accounts create && python manage.py collectstatic --noinput -v0 && exec gunicorn config.wsgi:application --bind 0.0.0.0:8000 --workers ${CW_WEB_WORKERS:-$(( $(nproc) + 1 ))} --threads ${CW_WEB_THREADS:-4} --worker-class gthread --preload --timeout 120"]
