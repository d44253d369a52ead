from django.core.management.base import BaseCommand

from certificates.models import SigningKey
from certificates.proofs import key_url, signing_key_rotate


class Command(BaseCommand):
    help = ("Retire the bureau's current credential signing key and make a new one (e.g. yearly, or when a key may "
            "have leaked). Retired keys stay published, so credentials they signed still verify.")

    def add_arguments(self, parser):
        parser.add_argument("--algorithm", choices=SigningKey.Algorithm.values, default=SigningKey.Algorithm.ED25519,
                            help="EdDSA (Data Integrity proofs, EdDSA JWTs) or RS256 (JWTs); default EdDSA")

    def handle(self, *args, algorithm, **options):
        key = signing_key_rotate(algorithm=algorithm)
        self.stdout.write(self.style.SUCCESS(f"new {algorithm} key: {key_url(key)}"))
