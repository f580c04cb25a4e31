"""``tandem predictive_train``: retrain the predictive lead score and report its evaluation."""

import json

from django.core.management.base import BaseCommand

from tandem.handoff import predictive


class Command(BaseCommand):
    help = "Retrain the predictive score on the company's history; print the evaluation."

    def handle(self, *args, **options):
        record = predictive.model_train()
        self.stdout.write(record.message)
        if record.is_ready:
            stored = predictive.probabilities_store()
            summary = {k: v for k, v in record.evaluation.items() if k != "calibration"}
            self.stdout.write(json.dumps(summary, indent=2))
            self.stdout.write(f"Scored {stored:,} contacts.")
