# Production image: `docker compose up` (see compose.yaml) or
#   docker build -t internkontroll . && docker run -e DATABASE_URL=... -e SECRET_KEY=... -p 8000:8000 internkontroll
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# DejaVu Sans is embedded in the generated PDF reports.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --uid 10001 --user-group app

WORKDIR /app
COPY . .
RUN pip install . \
    && mkdir -p /app/var /data/uploads \
    && chown -R app:app /app/var /data

ENV HOST=0.0.0.0 \
    PORT=8000 \
    PRODUCTION=true \
    UPLOAD_DIR=/data/uploads

USER app
EXPOSE 8000
VOLUME ["/data/uploads"]

CMD ["sh", "-c", "internkontroll migrate && exec internkontroll serve"]
