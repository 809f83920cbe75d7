"""Reports over the leads a person may see: win/loss, funnel, time in stage, forecast,
sources, reps and lost reasons, each for a period of days in the reader's time zone.

Every query is scoped by :func:`crm.services.access.visible_leads`; money is summed per
currency, never across currencies.
"""
