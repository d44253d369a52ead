class PeopleError(Exception):
    """A rule of the people domain refused an action; the message is shown to the user."""
