"""The password hasher: Argon2id with parameters sized for exam mornings on a two-core county server.

Django's PBKDF2 (1,000,000 iterations) costs ~0.3 s of a core per sign-in: two cores sign in ~6 people a second and
2,000 exam takers need 5–6 minutes of both cores. Argon2id's cost is set by memory as well as time, which is what
makes guessing expensive on GPUs, so a much shorter hash is still a stronger one. The parameters are OWASP's
first recommended Argon2id configuration (m = 19 MiB, t = 2, p = 1; Password Storage Cheat Sheet), measured here at
tens of milliseconds per hash (docs/benchmarks.md, ``manage.py benchmark_signin``). One lane (p = 1) because the
server's cores are already shared by concurrent sign-ins: more lanes would not make a storm of logins faster.
Memory: 19 MiB per sign-in in progress, so gunicorn's 12 threads use at most ~230 MiB for hashing.

Older hashes (PBKDF2, or Argon2 with other parameters) still verify and are re-hashed with these at the next
sign-in (``must_update``)."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class AcademyArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
