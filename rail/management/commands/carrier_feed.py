"""manage.py carrier_feed NAME [--dcsa-version 3.0] [--url ROOT] [--auth-value V] ...: create or
change a carrier's DCSA feed and print what the carrier needs to push to us (the callback
address and the shared secret of its subscription) or what we poll."""

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from rail.models import CarrierFeed


class Command(BaseCommand):
    help = "Create or change a carrier's DCSA Track & Trace feed."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--dcsa-version", dest="dcsa_version", choices=["2.2", "3.0"])
        parser.add_argument("--url", help="the carrier's API root, to poll")
        parser.add_argument("--auth-header", help="header sent when polling (Authorization)")
        parser.add_argument("--auth-value", help="its value, e.g. 'Bearer <token>'")
        parser.add_argument("--interval", type=int, help="seconds between polls (300)")
        parser.add_argument("--inactive", action="store_true", help="stop polling it")

    def handle(self, *args, **options):
        feed = CarrierFeed.objects.filter(name=options["name"]).first() or CarrierFeed(
            name=options["name"]
        )
        for option, attr in (
            ("dcsa_version", "version"),
            ("url", "base_url"),
            ("auth_header", "auth_header"),
            ("auth_value", "auth_value"),
            ("interval", "interval_s"),
        ):
            if options[option] is not None:
                setattr(feed, attr, options[option])
        feed.active = not options["inactive"]
        try:
            feed.full_clean()
        except Exception as exc:  # ValidationError: the field and why
            raise CommandError(str(exc)) from exc
        feed.save()
        path = reverse("dcsa-callback", args=[feed.subscription_id])
        self.stdout.write(f"feed {feed.name} (DCSA {feed.version})")
        self.stdout.write(f"  callback: <this site>{path}")
        self.stdout.write(f"  Subscription-ID: {feed.subscription_id}")
        self.stdout.write(f"  secret (Base64): {feed.secret}")
        if feed.base_url:
            self.stdout.write(f"  polled: {feed.base_url} every {feed.interval_s} s")
