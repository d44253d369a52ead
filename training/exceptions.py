class TrainingError(Exception):
    """A rule of the training year refused an action; the message is shown to the user."""
