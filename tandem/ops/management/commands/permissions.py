"""Print the permission matrix (the source of docs/permissions.md)."""

from django.core.management.base import BaseCommand

from tandem.access.policies import matrix_markdown


class Command(BaseCommand):
    help = "Print the role × record permission matrix as Markdown."

    def handle(self, *args, **opts):
        self.stdout.write(matrix_markdown(), ending="")
