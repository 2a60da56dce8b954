"""Runs locally with `python3 -m unittest` (no dependencies)."""
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "job"))

import app  # noqa: E402


class JobTest(unittest.TestCase):
    def test_sample_event(self):
        with open(os.path.join(HERE, "..", "events", "event.json")) as f:
            event = json.load(f)
        r = app.handler(event, None)
        self.assertTrue(r["rule"].endswith(":rule/Every5Minutes"))
        self.assertEqual(r["cutoff"], "1969-12-25T00:00:00+00:00")

    def test_retention_from_environment(self):
        os.environ["RETENTION_DAYS"] = "1"
        try:
            r = app.handler({"time": "2024-01-02T00:00:00Z", "resources": []}, None)
            self.assertEqual(r["cutoff"], "2024-01-01T00:00:00+00:00")
        finally:
            del os.environ["RETENTION_DAYS"]


if __name__ == "__main__":
    unittest.main()
