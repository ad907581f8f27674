# Image for web, worker and beat (docker-compose.yml). Dependencies come from the
# hashed requirements.lock, so the image runs exactly what CI tested.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
RUN useradd --create-home calaccess && mkdir -p /data && chown calaccess /data
USER calaccess
CMD ["python", "manage.py", "ingest"]
