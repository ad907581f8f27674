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
RUN useradd --create-home calaccess && mkdir -p /data && chown calaccess /data
USER calaccess
CMD ["python", "manage.py", "ingest"]
