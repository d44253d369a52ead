from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certificates.credentials import credential_verify


class Command(BaseCommand):
    help = ("Check a certificate's Open Badges 3.0 credential (its JSON or JWT, or a file holding either): the proof "
            "against this bureau's published keys, the dates and the revocation and suspension bits. Exits 1 unless "
            "it is valid.")

    def add_arguments(self, parser):
        parser.add_argument("credential", help="the JWT itself, or the path of a .json or .jwt file")

    def handle(self, *args, credential, **options):
        # A JWT's header is base64 of '{"…', so it always starts with "eyJ"; anything else is a file name.
        text = credential.strip() if credential.startswith("eyJ") else Path(credential).read_text().strip()
        check = credential_verify(text)
        self.stdout.write(f"form: {check.form}")
        self.stdout.write(f"proof: {'valid' if check.proof_valid else 'NOT valid'}")
        if check.proof_valid:
            issuer = check.credential.get("issuer", {})
            self.stdout.write(f"credential: {check.credential.get('name', '')} · {issuer.get('name', '')}")
        if check.status:
            self.stdout.write(f"status: {check.status}")
        for problem in check.problems:
            self.stdout.write(f"problem: {problem}")
        if not check.ok:
            raise CommandError("the credential does not check out")
        self.stdout.write(self.style.SUCCESS("the credential checks out"))
