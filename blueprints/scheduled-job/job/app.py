"""A scheduled job: the event is EventBridge's "Scheduled Event"."""
import datetime
import os


def handler(event, context):
    retention_days = int(os.environ.get("RETENTION_DAYS", "7"))
    fired_at = datetime.datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    cutoff = fired_at - datetime.timedelta(days=retention_days)
    rule = (event.get("resources") or ["(manual run)"])[0]
    print(f"cleanup for {rule}: removing entries older than {cutoff.isoformat()}")
    return {"rule": rule, "cutoff": cutoff.isoformat()}
