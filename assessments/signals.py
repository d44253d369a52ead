"""What the assessment engine announces.

``attempt_passed`` — kwargs ``user`` (the learner) and ``attempt`` (``Attempt``; ``attempt.quiz`` is the quiz).
Sent once per attempt, inside the transaction that made its final result a pass: right after automatic scoring,
after the last essay is graded, or after a corrected key turned a fail into a pass. Receivers must defer their
work with ``transaction.on_commit``.
"""

from django.dispatch import Signal

attempt_passed = Signal()
