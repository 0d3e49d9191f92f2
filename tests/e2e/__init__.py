"""Browser journeys: Playwright driving Chromium against the real app (see docs/testing.md)."""
