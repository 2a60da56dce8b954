"""Runs locally with `python3 -m unittest` (no dependencies)."""
import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hello_world"))

import app  # noqa: E402


class AppTest(unittest.TestCase):
    def test_sample_event(self):
        with open(os.path.join(HERE, "..", "events", "event.json")) as f:
            event = json.load(f)
        self.assertEqual(app.lambda_handler(event, None), {"message": "Hello, Kumo!"})

    def test_no_name(self):
        self.assertEqual(app.lambda_handler({}, None), {"message": "Hello, world!"})

    def test_greeting_from_environment(self):
        os.environ["GREETING"] = "Hi"
        try:
            self.assertEqual(app.lambda_handler({"name": "you"}, None), {"message": "Hi, you!"})
        finally:
            del os.environ["GREETING"]


if __name__ == "__main__":
    unittest.main()
