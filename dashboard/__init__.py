"""Privacy-metrics dashboard: consent, data-subject requests and policy versions from CSV exports."""
