# video-ai-emulator: docker build -t video-ai-emulator . && docker run -p 8080:8080 video-ai-emulator
# Settings are EMULATOR_* env vars (see README.md); CI recipes: docs/ci.md.

# --- build: wheels of the project and its runtime dependencies (no dev extras)
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# Dependencies first, from pyproject.toml alone: this layer stays cached while only the code changes.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > requirements.txt \
 && pip wheel --wheel-dir /wheels -r requirements.txt
COPY README.md setup.py MANIFEST.in ./
COPY emulator ./emulator
# The shipped scenarios and fixtures: the wheel carries them inside the package (setup.py), like any install.
COPY scenarios ./scenarios
COPY fixtures ./fixtures
RUN pip wheel --no-deps --wheel-dir /wheels .

# --- install: those wheels only, into a venv (no index, no compiler: a missing wheel fails the build)
FROM python:3.11-slim AS install
COPY --from=build /wheels /wheels
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /wheels video-ai-emulator \
 && /opt/venv/bin/pip uninstall --yes --quiet pip setuptools

# --- runtime
FROM python:3.11-slim
COPY --from=install /opt/venv /opt/venv
RUN groupadd --system --gid 10001 emulator \
 && useradd --system --uid 10001 --gid emulator --home-dir /data --no-create-home --shell /usr/sbin/nologin emulator \
 && mkdir -p /data /scenarios \
 && chown emulator:emulator /data
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    EMULATOR_HOST=0.0.0.0 \
    EMULATOR_PORT=8080 \
    EMULATOR_DATA_DIR=/data \
    EMULATOR_SCENARIOS=/scenarios
USER emulator
WORKDIR /data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=2s --timeout=2s --start-period=20s --retries=5 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/_emulator/health' % (os.environ.get('EMULATOR_PORT') or '8080'), timeout=2)"]
# Exec form: the emulator is PID 1 and gets docker stop's SIGTERM (graceful stop, store flushed, within 2 s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["video-ai-emulator"]
CMD ["serve"]
