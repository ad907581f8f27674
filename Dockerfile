# Image for web, worker and beat (docker-compose.yml). Dependencies come from the
# hashed requirements.lock, so the image runs exactly what CI tested.
# Two stages: the environment is made and the C fast paths compiled into it by the
# same command bin/_bootstrap runs; the image gets that environment, no compiler.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
ENV PYTHONDONTWRITEBYTECODE=1 VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
# Into /opt/venv/native-cache/; fails the build with the compiler's reason.
COPY processors/ processors/
RUN python -m processors.ingest.native build

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:$PATH
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY . .
# The library built above matches these sources and loads without a compiler.
RUN python -m processors.ingest.native check
# The static files (the admin's, the site's), hashed and compressed, with their manifest, into
# /app/staticfiles: web serves them through WhiteNoise (DJANGO_STATIC_MANIFEST, README "Settings").
# collectstatic reads neither the database nor the secret key: these placeholders only let the
# settings load (a DATABASE_URL keeps manage.py from starting the embedded PostgreSQL); the
# containers get the real values from docker-compose.yml.
ENV DJANGO_STATIC_MANIFEST=true
RUN DJANGO_SECRET_KEY=collectstatic-only DATABASE_URL=postgres://collectstatic@localhost/unused \
    python manage.py collectstatic --noinput --clear --verbosity 0
RUN useradd --create-home calaccess && mkdir -p /data && chown calaccess /data
USER calaccess
CMD ["python", "manage.py", "ingest"]
