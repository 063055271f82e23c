"""Placeholder replaced below."""
def unavailable():
    return "not yet"
