"""Create a Tandem user with a role and team."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from tandem.access import services
from tandem.access.roles import MARKETING_ROLES, SALES_ROLES, Role, TeamKind
from tandem.errors import InvalidInput


class Command(BaseCommand):
    help = "Create a user: tandem createuser NAME --role sales_rep --team 'Sales EMEA'"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--team", default="")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="Asked for when not given.")

    def handle(self, *args, **opts):
        password = opts["password"] or getpass.getpass("Password: ")
        team = None
        if opts["team"]:
            kind = (
                TeamKind.MARKETING
                if opts["role"] in MARKETING_ROLES
                else TeamKind.SALES
                if opts["role"] in SALES_ROLES
                else TeamKind.OTHER
            )
            team = services.team_get_or_create(name=opts["team"], kind=kind)
        try:
            user = services.user_create(
                username=opts["username"],
                password=password,
                role=opts["role"],
                team=team,
                email=opts["email"],
                via="cli",
            )
        except InvalidInput as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Created {user.username} ({user.get_role_display()})")
        )
