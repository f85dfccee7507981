from __future__ import annotations

from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "safewell.safeguarding"
    label = "safeguarding"
    verbose_name = "Safeguarding case work"

    def ready(self) -> None:
        """Hand the apps above what only this one knows, through their registries (design.md:
        an app never imports the apps below it):

        - the vulnerable-child markers `open_case` and `previous_missing_episode`
          (pupils/vulnerability.py, read by the policy engine and the calling list), one
          query for any number of pupils;
        - the alert page's "Open a case" button (policy/selectors.py, register_alert_links);
        - who may see who opened a child's record (audit/selectors.py): the reads of a
          child's safeguarding record are audited as reads of the child (`pupils.pupil`),
          so that page is for the DSL team of the child's site and the lead DSL only.
        """
        from safewell.accounts.record_openings import register_record_access
        from safewell.policy.selectors import register_alert_links
        from safewell.pupils.vulnerability import register_vulnerability_markers
        from safewell.safeguarding import registrations

        register_vulnerability_markers("safeguarding", registrations.vulnerability_markers,
                                       markers=registrations.MARKERS)
        register_alert_links("safeguarding", registrations.alert_links)
        register_record_access("pupils.pupil", registrations.can_see_openings_of_pupil)
