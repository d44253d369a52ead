"""Does a case review still name its parties? Used before a case review may be submitted or published.

Looks for what identifies a person in Chinese case files: an 18- (or old 15-) digit national ID number, a mainland
mobile or landline number (with or without separators), and the full names the author listed as parties."""

import re

from django.utils.translation import gettext as _

NATIONAL_ID = re.compile(r"(?<![0-9])(?:[1-9][0-9]{16}[0-9Xx]|[1-9][0-9]{14})(?![0-9Xx])")
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9][\s-]?[0-9]{4}[\s-]?[0-9]{4}(?![0-9])")
LANDLINE = re.compile(r"(?<![0-9])0[1-9][0-9]{1,2}[\s-][0-9]{7,8}(?![0-9])")


def personal_data_found(text: str, party_names: list[str]) -> list[str]:
    """Messages naming each kind of personal data found in ``text`` (empty when it is anonymised)."""
    problems = []
    if NATIONAL_ID.search(text):
        problems.append(_("The text contains what looks like a national ID number."))
    if MOBILE.search(text) or LANDLINE.search(text):
        problems.append(_("The text contains what looks like a phone number."))
    for name in party_names:
        if len(name) >= 2 and name in text:
            problems.append(_("The text contains the full name of a party: %(name)s. Write it as %(alias)s.") % {
                "name": name, "alias": f"{name[0]}某"})
    return problems
