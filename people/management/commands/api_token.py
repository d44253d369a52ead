"""Print an API token for an account, creating a system account first if asked.

    manage.py api_token grid-platform --system --name "网格化管理平台" --jurisdiction 150621
    manage.py api_token grid-platform --rotate
"""

from django.core.management.base import BaseCommand, CommandError

from people.exceptions import PeopleError
from people.models import Region, User
from people.services.api_accounts import api_token_issue, system_account_create


class Command(BaseCommand):
    help = "Print the API token of an account (optionally creating a system account in a jurisdiction)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--system", action="store_true", help="Create the system account if it does not exist.")
        parser.add_argument("--name", default="", help="Display name of a new system account.")
        parser.add_argument("--jurisdiction", default="", help="Division code of the system account's region.")
        parser.add_argument("--rotate", action="store_true", help="Replace the token; the old one stops working.")

    def handle(self, *args, username, system, name, jurisdiction, rotate, **options):
        try:
            if system:
                region = Region.objects.filter(code=jurisdiction).first()
                if region is None:
                    raise CommandError(f"--system needs --jurisdiction with a known division code: {jurisdiction!r}")
                user = system_account_create(username=username, name=name or username, jurisdiction=region)
            else:
                user = User.objects.filter(username=username).first()
                if user is None:
                    raise CommandError(f"No account {username!r}; add --system --jurisdiction CODE to create one.")
            token = api_token_issue(user=user, rotate=rotate)
        except PeopleError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(token.key)
