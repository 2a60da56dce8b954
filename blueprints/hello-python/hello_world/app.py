"""Lambda handler: event in, JSON-serialisable result out. print() goes to the function's log."""
import os


def lambda_handler(event, context):
    name = event.get("name") if isinstance(event, dict) else None
    name = name or "world"
    greeting = os.environ.get("GREETING", "Hello")
    print(f"greeting {name}")
    return {"message": f"{greeting}, {name}!"}
