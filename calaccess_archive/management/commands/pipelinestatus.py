"""python manage.py pipelinestatus [--json]"""

from __future__ import annotations

from calaccess_archive.management.base import ArchiveCommand
from calaccess_archive.selectors import pipeline_status


def _short(iso: str | None) -> str:
    """An ISO datetime as `YYYY-MM-DD HH:MM:SS` (they are UTC); "-" for none."""
    return iso[:19].replace("T", " ") if iso else "-"


def status_lines(status: dict) -> list[str]:
    lines = []
    check = status["last_check"]
    if check is None:
        lines.append("last check: none yet")
    else:
        answer = check["error"] or (f"HTTP {check['status_code']}, Last-Modified {_short(check['last_modified'])}, "
                                    f"{check['content_length']} bytes")
        lines.append(f"last check: {_short(check['checked_at'])} {check['source']}: {check['outcome']} ({answer})")
    for key, title in (("last_new_release", "last new release"), ("last_published", "last published")):
        release = status[key]
        lines.append(f"{title}: " + (f"{release['release']} ({release['status']}, recorded "
                                      f"{_short(release['created_at'])}, published {_short(release['published_at'])})"
                                      if release else "none"))
    lease = status["lease"]
    lines.append("lease: " + (f"{lease['holder']} on {lease['release'] or 'no release yet'} until "
                              f"{_short(lease['expires_at'])}" if lease else "free"))
    lines.append(f"in flight: {status['in_flight']['count']}")
    for release in status["in_flight"]["releases"]:
        step = f"{release['step']} ({release['step_status']})" if release["step"] else "not started"
        holder = f", run by {release['lease_holder']}" if release["lease_holder"] else ""
        lines.append(f"  {release['release']} {release['status']} at {step}{holder}")
    lines.append(f"failed: {status['failed']['count']}")
    for release in status["failed"]["releases"]:
        steps = "; ".join(f"{stage}: {error}" for stage, error in release["failed_steps"].items())
        lines.append(f"  {release['release']} {release['status']}: {steps or release['error']}")
    files = status["files_not_verified"]
    counts = ", ".join(f"{n} {state}" for state, n in files["by_status"].items())
    lines.append(f"files not verified: {files['count']}" + (f" ({counts})" if counts else ""))
    for record in files["files"]:
        error = f": {record['last_error']}" if record["last_error"] else ""
        lines.append(f"  {record['status']:<9} {record['name']}{error}")
    state = status["state"]
    if state["last_published"] is None:
        lines.append("state: no export seen yet")
    else:
        stale = "STALE" if state["stale"] else "ok"
        lines.append(f"state last published {_short(state['last_published'])}, {state['days']} day(s) ago "
                     f"({stale}; stale after {state['stale_days']})")
    return lines


class Command(ArchiveCommand):
    help = ("Where the pipeline stands: the last check and what the state answered, the last new release, "
            "releases in flight with their step and lease holder, failed releases with reasons, files not yet "
            "verified, days since the state last published.")

    def handle(self, *args, json=False, **options):
        status = pipeline_status()
        if json:
            self.json_write(status)
            return
        self.stdout.write("\n".join(status_lines(status)))
