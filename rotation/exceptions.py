class RotationError(Exception):
    """A rule of menu-style rotation training refused an action; the message (translated) is shown to the user."""
