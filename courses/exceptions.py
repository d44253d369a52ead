class CoursesError(Exception):
    """A rule of the courses domain refused an action; the message (translated) is shown to the user."""
